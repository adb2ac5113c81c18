"""One module per `eduwatch` sub-command; each exposes ``register(subparsers)``."""
