"""bioshard host tooling: the Wallet Device side of the 2-of-2 wallet."""
from bioshard_card import VERSION as __version__  # one version for card and host

__all__ = ["__version__"]
