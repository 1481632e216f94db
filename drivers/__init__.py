"""Hardware behind small Protocols, one module per transport, each with a
virtual twin (card readers, ticket and document printers). Never imports Kivy."""
