"""好差评: cases, ratings from every channel, bad-review follow-up, delivery to the province (docs/ratings.md)."""
