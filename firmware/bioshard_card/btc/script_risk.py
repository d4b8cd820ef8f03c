# Output scripts that give the coins away, which the review must not let pass as an ordinary
# payment (mark_review; ui/review.py gives each such output a danger page of its own):
#
#   ANYONE  anyone who sees the transaction can spend the output: an empty script, a script of
#           pushes only whose last value is true (OP_TRUE, OP_1..OP_16, a non-zero push), or
#           pay-to-anchor (OP_1 <4e73>, the anyone-can-spend anchor of Bitcoin Core 28);
#   BURN    nobody can ever spend it: OP_RETURN (a data carrier with no value is ordinary;
#           with value, those coins are destroyed).
# Witness programs other than pay-to-anchor are left to their address (version 2..16 and
# non-standard lengths are reserved for future soft forks; the owner sees the address).
ANYONE = "anyone"
BURN = "burn"

P2A = b"\x51\x02\x4e\x73"


def _true(v):
    # Consensus CastToBool: any non-zero byte, except a lone sign bit at the end ("-0").
    n = len(v)
    for k in range(n):
        if v[k]:
            return not (k == n - 1 and v[k] == 0x80)
    return False


def _push_only_true(script):
    """True if `script` is pushes only and leaves a true value on top: an empty scriptSig
    spends it."""
    i = 0
    n = len(script)
    last = None
    while i < n:
        op = script[i]
        i += 1
        if op == 0:
            last = b""
            continue
        if 0x51 <= op <= 0x60:
            last = b"\x01"  # OP_1..OP_16: all true
            continue
        if op == 0x4F:
            last = b"\x81"  # OP_1NEGATE
            continue
        if op <= 0x4B:
            size = op
        elif op == 0x4C and i + 1 <= n:
            size = script[i]
            i += 1
        elif op == 0x4D and i + 2 <= n:
            size = script[i] | script[i + 1] << 8
            i += 2
        elif op == 0x4E and i + 4 <= n:
            size = script[i] | script[i + 1] << 8 | script[i + 2] << 16 | script[i + 3] << 24
            i += 4
        else:
            return False  # any other opcode, or a truncated push
        if i + size > n:
            return False
        last = script[i:i + size]
        i += size
    return last is not None and _true(last)


def _witness_program(script):
    n = len(script)
    return 4 <= n <= 42 and (script[0] == 0 or 0x51 <= script[0] <= 0x60) and script[1] == n - 2


def risk(script, amount):
    """(ANYONE or BURN, what the owner is told) for an output that gives coins away, else None."""
    if not script:
        return ANYONE, "empty script"
    if script[0] == 0x6A:
        return (BURN, "OP_RETURN") if amount else None
    if script == P2A:
        return ANYONE, "pay-to-anchor"
    if _witness_program(script):
        return None
    if _push_only_true(script):
        return ANYONE, "OP_TRUE" if script == b"\x51" else "pushes only"
    return None



def mark_review(rv):
    """Mark the outputs of a btc.review.Review that give their coins away: `line.risk` and
    the one-line text `line.risk_line`. Kept out of review.py, whose parse and review must fit
    a 100 KB heap; the card's sign flow calls this before it builds the pages."""
    from .amounts import format_btc

    for line, out in zip(rv.outputs, rv.psbt.tx.outputs):
        r = None if line.change else risk(out.script, line.amount)
        if r is None:
            continue
        line.risk = r
        what = "ANYONE CAN SPEND" if r[0] == ANYONE else "BURNS"
        line.risk_line = "%s #%d (%s): %s" % (what, line.index, r[1], format_btc(line.amount))
    return rv
