# HD children of the 2-of-2 wallet (BIP-328 / BIP-390 `tr(musig(A,B)/<0;1>/*)`): the card
# derives each child itself from the MuSig2 aggregate of its paired participants, so a PSBT
# can only name an index, never make the card accept a key it did not derive.
#
#   path = (branch, index): branch 0 = receive, 1 = change; both unhardened (BIP-328 has no
#   private key above the aggregate). The child's internal key is aggregate/branch/index on
#   the synthetic xpub (BIP-328 chain code); its output key adds the BIP-341 key-path tweak.
#   Signing uses the two BIP-32 I_L values as plain MuSig2 tweaks, then the Taproot tweak as an
#   x-only tweak (BIP-327 ApplyTweak), so the aggregate signature verifies under the child.
from .errors import PSBTError

# Beyond this index a wallet that scans with an ordinary gap limit would never find the coins:
# change sent there is as good as lost, so the card refuses it.
MAX_INDEX = 100000


def path_text(path):
    """What the panel shows for a child: "receive #5", "change #1"."""
    return ("change #%d" if path[0] else "receive #%d") % path[1]


def check_path(path):
    if len(path) != 2 or path[0] not in (0, 1):
        raise PSBTError("derivation is not <0;1>/index")
    if not 0 <= path[1] < MAX_INDEX:
        raise PSBTError("derivation index out of range")


class Children:
    """Derived children of one aggregate key, cached (public data only)."""

    def __init__(self, agg_key):
        self.agg_key = agg_key
        self._branch = {}
        self._child = {}

    def _branch_key(self, b):
        got = self._branch.get(b)
        if got is None:
            from ..crypto import bip32, bip328

            got = bip32.ckd_pub(self.agg_key, bip328.CHAINCODE, b)
            self._branch[b] = got
        return got

    def child(self, path):
        """(plain tweaks [2], child 33-byte key, P2TR script) of `path`."""
        got = self._child.get(path)
        if got is None:
            from ..crypto import bip32, taproot
            from .address import p2tr_script

            if len(path) != 2 or path[0] not in (0, 1) or not 0 <= path[1] < 0x80000000:
                raise PSBTError("derivation is not <0;1>/index")
            bkey, bcc, t1 = self._branch_key(path[0])
            key, _, t2 = bip32.ckd_pub(bkey, bcc, path[1])
            got = ([t1, t2], key, p2tr_script(taproot.output_key(key[1:])[0]))
            if len(self._child) >= 8:
                self._child = {}
            self._child[path] = got
        return got

    def script(self, path):
        return self.child(path)[2]

    def tweaks(self, path):
        """(tweaks, is_xonly) for MuSig2 signing of child `path`."""
        from ..crypto import taproot

        plain, key, _ = self.child(path)
        return plain + [taproot.tap_tweak(key[1:])], [False, False, True]

    def find(self, entries, script, internal_key):
        """The path among a PSBT field's TAP_BIP32 `entries` ((x-only key, path), ...) whose
        child pays `script`, or None. Paths that are not <0;1>/index are skipped."""
        for xonly, path in entries or ():
            if internal_key is not None and xonly != internal_key:
                continue
            if len(path) != 2 or path[0] not in (0, 1) or path[1] >= 0x80000000:
                continue
            if self.script(path) == script:
                return path
        return None
