# Size limits of the card's PSBT parser: what a PSBT may hold before it is refused. Below
# psbt.py and its field handlers (psbt_fields, psbt_inputs, psbt_checks), which all read them.
try:
    from micropython import const
except ImportError:

    def const(x):
        return x


MAX_INPUTS = const(32)
MAX_OUTPUTS = const(16)
MAX_SCRIPT = const(100)  # covers every standard script incl. an 83-byte OP_RETURN
MAX_KEY = const(128)
MAX_ENTRIES = const(64)  # per map
MAX_PARTICIPANTS = const(16)
MAX_MUSIG = const(4)  # participant-pubkey fields per input/output
