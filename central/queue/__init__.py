"""The hall's queue: daily numbering, ticket rules, ordering and estimates."""
