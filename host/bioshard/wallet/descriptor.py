"""BIP-380 output descriptors with the BIP-390 musig() key expression, for watch-only wallets
(Bitcoin Core `importdescriptors`, Sparrow) of the 2-of-2.

Supported (anything else is refused with a clear error, never guessed):
  tr(musig(KEY,KEY,...))                  hex compressed participant keys, one fixed address
  tr(musig(XPUB,XPUB,...)/<0;1>/*)        BIP-328 aggregate xpub, unhardened derivation after
  tr(musig(XPUB/<0;1>/*,XPUB/<0;1>/*))    each participant derived, then aggregated
  rawtr(...) of the same musig forms      (no Taproot tweak; for the BIP-390 test vectors)
KEY may carry a key origin `[fingerprint/path]` (kept, not used for derivation); derivation
steps are NUM, `*` and a BIP-389 `<a;b>` pair (a = receive, b = change). Hardened steps are
refused: no private keys ever appear in these descriptors.
"""
import hashlib
import hmac
import re

from coincurve import PublicKey

from bioshard_card.btc import base58
from bioshard_card.btc.address import p2tr_script, script_to_address

from . import keyagg

INPUT_CHARSET = "0123456789()[],'/*abcdefgh@:$%{}IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~ijklmnopqrstuvwxyzABCDEFGH`#\"\\ "
CHECKSUM_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_GEN = (0xF5DEE51989, 0xA9FDCA3312, 0x1BAB10E32D, 0x3706B1677A, 0x644D626FFD)
# BIP-328: chain code of the synthetic xpub of a MuSig2 aggregate key.
BIP328_CHAINCODE = bytes.fromhex("868087ca02a6f974c4598924c36b57762d32cb45717167e300622c7167e38965")
_XPUB_VERSIONS = {bytes.fromhex("0488b21e"): "main", bytes.fromhex("043587cf"): "test"}


class DescriptorError(ValueError):
    pass


# ---- BIP-380 checksum --------------------------------------------------------------------

def _polymod(symbols):
    chk = 1
    for value in symbols:
        top = chk >> 35
        chk = ((chk & 0x7FFFFFFFF) << 5) ^ value
        for i in range(5):
            if (top >> i) & 1:
                chk ^= _GEN[i]
    return chk


def _expand(s):
    groups, symbols = [], []
    for c in s:
        v = INPUT_CHARSET.find(c)
        if v < 0:
            raise DescriptorError("invalid character %r in descriptor" % c)
        symbols.append(v & 31)
        groups.append(v >> 5)
        if len(groups) == 3:
            symbols.append(groups[0] * 9 + groups[1] * 3 + groups[2])
            groups = []
    if len(groups) == 1:
        symbols.append(groups[0])
    elif len(groups) == 2:
        symbols.append(groups[0] * 3 + groups[1])
    return symbols


def checksum(desc: str) -> str:
    c = _polymod(_expand(desc) + [0] * 8) ^ 1
    return "".join(CHECKSUM_CHARSET[(c >> (5 * (7 - i))) & 31] for i in range(8))


def add_checksum(desc: str) -> str:
    return desc + "#" + checksum(desc)


def strip_checksum(text: str) -> str:
    """Descriptor without its checksum; a present checksum must be right."""
    text = text.strip()
    if "#" not in text:
        _expand(text)
        return text
    desc, _, chk = text.rpartition("#")
    if len(chk) != 8 or any(c not in CHECKSUM_CHARSET for c in chk):
        raise DescriptorError("malformed descriptor checksum")
    if checksum(desc) != chk:
        raise DescriptorError("descriptor checksum mismatch")
    return desc


# ---- BIP-32 public derivation (libsecp256k1) ------------------------------------------------

def ckd_pub(key: bytes, chaincode: bytes, index: int):
    return ckd_pub_tweak(key, chaincode, index)[:2]


def ckd_pub_tweak(key: bytes, chaincode: bytes, index: int):
    """(child key, child chain code, I_L): I_L is the plain tweak BIP-328 signers apply."""
    if index >= 0x80000000:
        raise DescriptorError("hardened derivation needs a private key")
    I = hmac.new(chaincode, key + index.to_bytes(4, "big"), hashlib.sha512).digest()
    if int.from_bytes(I[:32], "big") >= keyagg.N:
        raise DescriptorError("invalid child (skip this index)")
    return PublicKey(key).add(I[:32]).format(), I[32:], I[:32]


# BIP-390 wants every participant of a ranged musig() to be an xpub, but a participant here is
# a bare key (the card's share, Secret A): it is written as a depth-0 xpub whose chain code is
# a tagged hash of the key. Nothing is ever derived below it (the derivation is after musig(),
# on the aggregate), so the chain code only has to be the same for everyone who writes it.
_PARTICIPANT_CC_TAG = "bioshard/participant-xpub"


def participant_xpub(pubkey: bytes, network: str = "main") -> str:
    cc = keyagg.tagged_hash(_PARTICIPANT_CC_TAG, bytes(pubkey))
    version = bytes.fromhex("0488b21e") if network == "main" else bytes.fromhex("043587cf")
    return xpub_string(bytes(pubkey), cc, version)


def parse_xpub(s: str):
    raw = base58.decode_check(s)
    if len(raw) != 78 or raw[:4] not in _XPUB_VERSIONS or raw[45] not in (2, 3):
        raise DescriptorError("not an xpub/tpub: %s" % s[:12])
    PublicKey(raw[45:])  # on the curve
    return raw[45:], raw[13:45]


def xpub_string(key: bytes, chaincode: bytes, version=bytes.fromhex("0488b21e")) -> str:
    return base58.encode_check(version + b"\x00" * 9 + chaincode + key)


# ---- parsing -------------------------------------------------------------------------------

_STEP = re.compile(r"^(\d+|\*|<\d+;\d+>)$")


def _parse_path(parts):
    steps = []
    for p in parts:
        if p.endswith(("h", "'", "H")):
            raise DescriptorError("hardened derivation is not allowed here")
        if not _STEP.match(p):
            raise DescriptorError("bad derivation step %r" % p)
        if p == "*":
            steps.append("*")
        elif p.startswith("<"):
            a, b = p[1:-1].split(";")
            steps.append((int(a), int(b)))
        else:
            n = int(p)
            if n >= 0x80000000:
                raise DescriptorError("derivation index out of range")
            steps.append(n)
    if steps.count("*") > 1 or ("*" in steps and steps[-1] != "*"):
        raise DescriptorError("`*` must be the last step")
    if sum(isinstance(s, tuple) for s in steps) > 1:
        raise DescriptorError("at most one <a;b> step")
    return steps


def _walk(key, chaincode, steps, index, change):
    for s in steps:
        n = index if s == "*" else (s[1] if change else s[0]) if isinstance(s, tuple) else s
        key, chaincode = ckd_pub(key, chaincode, n)
    return key


def _fmt_path(steps):
    return "".join("/" + ("*" if s == "*" else "<%d;%d>" % s if isinstance(s, tuple) else str(s)) for s in steps)


class Key:
    def __init__(self, text):
        self.origin = ""
        m = re.match(r"^(\[[0-9a-fA-F]{8}(?:/\d+[hH']?)*\])?(.*)$", text)
        self.origin, body = m.group(1) or "", m.group(2)
        parts = body.split("/")
        head = parts[0]
        if re.fullmatch(r"0[23][0-9a-fA-F]{64}", head):
            self.pubkey, self.chaincode = bytes.fromhex(head), None
            PublicKey(self.pubkey)
            if len(parts) > 1:
                raise DescriptorError("derivation needs an xpub, not a plain key")
            self.steps = []
        elif head[:4] in ("xpub", "tpub"):
            self.pubkey, self.chaincode = parse_xpub(head)
            self.steps = _parse_path(parts[1:])
        else:
            raise DescriptorError("unsupported key expression %r" % head[:16])
        self.head = head

    def ranged(self):
        return "*" in self.steps

    def derive(self, index, change):
        if self.chaincode is None:
            return self.pubkey
        return _walk(self.pubkey, self.chaincode, self.steps, index, change)

    def __str__(self):
        return self.origin + self.head + _fmt_path(self.steps)


def _split_top(s):
    parts, depth, cur = [], 0, ""
    for c in s:
        if c in "([<":
            depth += 1
        elif c in ")]>":
            depth -= 1
        if c == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += c
    parts.append(cur)
    return parts


class Descriptor:
    """tr(musig(...)) / rawtr(musig(...)) of the 2-of-2 (or n-of-n) wallet."""

    def __init__(self, text: str):
        desc = strip_checksum(text)
        m = re.fullmatch(r"(tr|rawtr)\(musig\((.*)\)((?:/[^/,()]+)*)\)", desc)
        if not m:
            if "musig(" in desc:
                raise DescriptorError("musig() is only supported as the key of tr() or rawtr()")
            raise DescriptorError("only tr(musig(...)) descriptors are supported")
        self.kind = m.group(1)
        self.keys = [Key(k) for k in _split_top(m.group(2))]
        if len(self.keys) < 2:
            raise DescriptorError("musig() needs at least two keys")
        self.steps = _parse_path(m.group(3).split("/")[1:]) if m.group(3) else []
        if self.steps:
            if any(k.chaincode is None for k in self.keys):
                raise DescriptorError("ranged musig() requires all participants to be xpubs")
            if any(k.ranged() for k in self.keys):
                raise DescriptorError("cannot have ranged participants if musig() is also ranged")

    @classmethod
    def from_keys(cls, pubkeys, kind="tr"):
        """The single-key wallet `tr(musig(A,B))` (one reused address; kept for old wallets)."""
        return cls("%s(musig(%s))" % (kind, ",".join(bytes(k).hex() for k in pubkeys)))

    @classmethod
    def hd_from_keys(cls, pubkeys, network="main", path="/<0;1>/*"):
        """The HD wallet `tr(musig(xpubA,xpubB)/<0;1>/*)`: receive and change children of the
        BIP-328 aggregate xpub (participants as depth-0 xpubs, see participant_xpub)."""
        keys = ",".join(participant_xpub(k, network) for k in pubkeys)
        return cls("tr(musig(%s)%s)" % (keys, path))

    def is_hd(self):
        """True for the wallet form the card signs for by index: musig(...)/<0;1>/*."""
        return (self.kind == "tr" and self.steps == [(0, 1), "*"]
                and not any(k.steps for k in self.keys))

    def single_key(self):
        """The same participants as the old single-key descriptor tr(musig(A,B))."""
        return Descriptor.from_keys([k.pubkey for k in self.keys])

    def musig_aggregate(self) -> bytes:
        """The untweaked BIP-327 aggregate (33 bytes) of the (non-ranged) participants: the key
        PSBT_IN_MUSIG2_PARTICIPANT_PUBKEYS files them under."""
        return keyagg.key_agg(keyagg.key_sort(k.derive(0, False) for k in self.keys))

    def child_path(self, index=0, change=False):
        """The derivation steps after musig() for one child, as integers."""
        return [index if s == "*" else (s[1] if change else s[0]) if isinstance(s, tuple) else s
                for s in self.steps]

    def derivation_tweaks(self, index=0, change=False):
        """BIP-328 plain tweaks (I_L per step) from the aggregate to the child's internal key."""
        key, cc, out = self.musig_aggregate(), BIP328_CHAINCODE, []
        for n in self.child_path(index, change):
            key, cc, t = ckd_pub_tweak(key, cc, n)
            out.append(t)
        return out

    def ranged(self):
        return "*" in self.steps or any(k.ranged() for k in self.keys)

    def aggregate_key(self, index=0, change=False) -> bytes:
        """The MuSig2 aggregate (33 bytes) for one child: keys sorted after derivation."""
        parts = keyagg.key_sort(k.derive(index, change) for k in self.keys)
        agg = keyagg.key_agg(parts)
        if self.steps:
            agg = _walk(agg, BIP328_CHAINCODE, self.steps, index, change)
        return agg

    def participants(self, index=0, change=False):
        return keyagg.key_sort(k.derive(index, change) for k in self.keys)

    def output_key(self, index=0, change=False) -> bytes:
        agg = self.aggregate_key(index, change)
        return agg[1:] if self.kind == "rawtr" else keyagg.taproot_output_key(agg)

    def script(self, index=0, change=False) -> bytes:
        return p2tr_script(self.output_key(index, change))

    def address(self, index=0, change=False, network="main") -> str:
        return script_to_address(self.script(index, change), network)

    def compat(self) -> str:
        """Same single address as `tr(<aggregate x-only key>)`, for watch-only wallets that do
        not parse musig() yet (older Bitcoin Core, Sparrow, BDK). Only for non-ranged wallets:
        a ranged musig() has no equivalent without BIP-328 support."""
        if self.ranged() or self.steps:
            raise DescriptorError("a ranged musig() descriptor has no plain tr() equivalent")
        key = self.aggregate_key()[1:]
        return add_checksum(("%s(%s)" % (self.kind, key.hex())))

    def __str__(self):
        body = "%s(musig(%s)%s)" % (self.kind, ",".join(str(k) for k in self.keys), _fmt_path(self.steps))
        return add_checksum(body)
