"""One module per `bioshard` sub-command; each defines register(subparsers)."""
