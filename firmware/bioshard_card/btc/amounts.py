# Satoshi amounts as text, with integer arithmetic only: a float cannot represent 0.1 BTC
# exactly, and a rounding slip on a hardware wallet screen is a security bug.
from .errors import PSBTError

COIN = 100000000


def format_btc(sats, unit=True):
    if sats < 0:
        s = "-" + format_btc(-sats, False)
    else:
        s = "%d.%08d" % (sats // COIN, sats % COIN)
    return s + " BTC" if unit else s


def parse_btc(text):
    """'0.001' -> 100000 sats. At most 8 decimals, no sign, no exponent."""
    t = text.strip()
    if t.endswith(" BTC"):
        t = t[:-4]
    dot = t.find(".")
    whole, frac = (t, "") if dot < 0 else (t[:dot], t[dot + 1 :])
    if not whole and not frac:
        raise PSBTError("empty amount")
    if len(frac) > 8 or not (whole + frac).isdigit() or len(whole) > 8:
        raise PSBTError("bad amount")
    return int(whole or "0") * COIN + int((frac + "00000000")[:8])


def format_rate(fee, vsize):
    """Fee rate in sat/vB with one decimal, rounded half up."""
    if vsize <= 0:
        raise PSBTError("bad size")
    tenths = (fee * 20 + vsize) // (2 * vsize)
    return "%d.%d sat/vB" % (tenths // 10, tenths % 10)
