"""Named failures of the host tool, each with its own exit code.

A hardware-wallet user must be able to tell "no card" from "card refused" from "bad PSBT"
without reading a traceback, and scripts must be able to tell them apart by exit code.
"""


class BioshardError(Exception):
    exit_code = 1


class NoCardError(BioshardError):
    exit_code = 3


class WrongCardError(BioshardError):
    exit_code = 4


class CardRefusedError(BioshardError):
    exit_code = 5


class CardTimeoutError(BioshardError):
    exit_code = 6


class BadInputError(BioshardError):
    exit_code = 7


class WrongPassphraseError(BioshardError):
    exit_code = 8


class TransportError(BioshardError):
    exit_code = 9
