# The card's "what am I signing" summary. Everything shown is derived on the card from the
# PSBT bytes and the wallet the card was paired into; nothing the host *says* about an output
# is believed unless the card can check it:
#  - an output is change only if its scriptPubKey is exactly the wallet's own P2TR script
#    (the Taproot tweak of the 2-of-2 MuSig2 aggregate key, fixed at pairing), or the script
#    of an HD child (BIP-328 <0;1>/index below that aggregate) the card derived itself from
#    the index a TAP_BIP32_DERIVATION field names (see hd.py);
#  - an input is ours only if its script is one of those too: one the card cannot derive is
#    refused;
#  - an output whose PSBT fields claim our keys but whose script is not ours is a refusal
#    (that is the classic "fake change" attack);
#  - every input must be ours, spent by key path with SIGHASH_DEFAULT or SIGHASH_ALL, so the
#    signature commits to all amounts, scripts and outputs (BIP-341) and the fee shown is real.
from .address import describe_script, p2tr_script
from .amounts import format_btc, format_rate
from .errors import PSBTError
from .sighash import SighashCache, SIGHASH_DEFAULT, SIGHASH_ALL
from .tx import MAX_MONEY

HIGH_FEE_RATE = 1000  # sat/vB: above this the panel warns
HIGH_FEE_SHARE = 10  # percent of the amount sent


class Wallet:
    """What the card knows about its 2-of-2 wallet.

    output_key: 32-byte x-only Taproot output key (the only script the wallet uses);
    agg_key: 33-byte compressed MuSig2 aggregate key (its x-only form is the internal key);
    participants: the plain pubkeys in KeySort order; card_key: this card's own pubkey."""

    def __init__(self, output_key, agg_key=None, participants=(), card_key=None, network="main"):
        self.script = p2tr_script(output_key)
        self.agg_key = agg_key
        self.agg_xonly = agg_key[1:] if agg_key is not None else None
        self.participants = list(participants)
        self.participants_raw = b"".join(self.participants)
        self.card_key = card_key
        self.network = network
        self._children = None

    @property
    def children(self):
        """HD children of the aggregate key (hd.Children), derived on demand."""
        if self._children is None:
            from .hd import Children

            self._children = Children(self.agg_key)
        return self._children

    def own_path(self, entries, script, internal_key):
        """The <0;1>/index of an HD child paying `script`, named by `entries`, or None. The
        BIP-371 internal key must name the entry: one derivation per input or output at most,
        whatever a hostile PSBT lists."""
        if self.agg_key is None or not entries or internal_key is None:
            return None
        return self.children.find(entries, script, internal_key)

    def session_tweaks(self, path):
        """(tweaks, is_xonly) of the MuSig2 session for the base key (path None) or a child."""
        if path is None:
            from .signing import taproot_tweak

            return [taproot_tweak(self.agg_key)], [True]
        return self.children.tweaks(path)

    def known(self):
        """Values the parser may share instead of copying (see psbt.parse)."""
        k = [x for x in (self.script, self.agg_xonly, self.agg_key, self.participants_raw) if x]
        if self.agg_key is not None:
            k.append(((self.agg_key, self.participants_raw),))  # the whole usual musig entry
        return tuple(k)

    def has_card_key(self, raw):
        k = self.card_key
        if k is None:
            return False
        for i in range(0, len(raw), 33):
            if raw[i : i + 33] == k:
                return True
        return False

    def claims_ours(self, internal_key, musig):
        """True when PSBT fields name our keys (regardless of what the script says)."""
        if self.agg_xonly is not None and internal_key == self.agg_xonly:
            return True
        for agg, raw in musig or ():
            if agg == self.agg_key or self.has_card_key(raw):
                return True
        return False


class OutputLine:
    def __init__(self, index, text, amount, change, path=None):
        self.index = index
        self.text = text  # address or a description of a non-address script
        self.amount = amount
        self.change = change
        self.path = path  # (branch, index) of an HD change output, else None


class Review:
    def __init__(self, psbt, cache, outputs, total_in, total_out, fee, vsize, warnings, paths=None,
                 wallet=None):
        self.psbt = psbt
        # per input: the HD child it spends, or None (the single-key address)
        self.paths = paths if paths is not None else [None] * (len(psbt.inputs) if psbt is not None else 0)
        self.wallet = wallet
        self.cache = cache
        self.outputs = outputs
        self.total_in = total_in
        self.total_out = total_out
        self.fee = fee
        self.vsize = vsize
        self.warnings = warnings

    def sent(self):
        """Amount leaving the wallet to others (not counting the fee)."""
        return sum(o.amount for o in self.outputs if not o.change)

    def fee_rate(self):
        return format_rate(self.fee, self.vsize)

    def sighash(self, index):
        """The 32-byte BIP-341 message for input `index` (with its PSBT sighash type)."""
        t = self.psbt.inputs[index].sighash
        return self.cache.sighash(index, SIGHASH_DEFAULT if t is None else t)

    def sighash_type(self, index):
        t = self.psbt.inputs[index].sighash
        return SIGHASH_DEFAULT if t is None else t

    def session_tweaks(self, index):
        """(tweaks, is_xonly) MuSig2 signs input `index` with (derivation, then Taproot)."""
        return self.wallet.session_tweaks(self.paths[index])

    def lines(self):
        """Text for the panel, one item per line; amounts always with 8 decimals."""
        out = []
        for o in self.outputs:
            tag = "CHANGE " if o.change else "SEND "
            out.append("%s#%d %s" % (tag, o.index, format_btc(o.amount)))
            out.append(o.text)
            if o.path is not None:
                from .hd import path_text

                out.append("(%s)" % path_text(o.path))
        out.append("FEE %s" % format_btc(self.fee))
        out.append(self.fee_rate())
        for w in self.warnings:
            out.append("! " + w)
        return out


def _vsize(tx, inputs):
    # Exact for key-path spends: each witness is <1 item><64 or 65-byte signature>.
    from .compact import compact_size

    base = 4 + len(compact_size(len(tx.inputs))) + 41 * len(tx.inputs) + len(compact_size(len(tx.outputs))) + 4
    for o in tx.outputs:
        base += 8 + len(compact_size(len(o.script))) + len(o.script)
    wit = 2
    for i in inputs:
        wit += 2 + (64 if not i.sighash else 65)
    return (base * 4 + wit + 3) // 4


def review(psbt, wallet):
    """Check a parsed PSBT against the wallet; return a Review or raise PSBTError."""
    tx = psbt.tx
    total_in = 0
    paths = []
    for n, inp in enumerate(psbt.inputs):
        if inp.amount is None:
            raise PSBTError("input %d: missing witness utxo" % n)
        s = inp.script
        if len(s) != 34 or s[0] != 0x51 or s[1] != 0x20:
            raise PSBTError("input %d: not Taproot, not ours" % n)
        path = None
        if s != wallet.script:
            path = wallet.own_path(inp.derivations, s, inp.internal_key)
            if path is None:
                raise PSBTError("input %d: Taproot input not ours" % n)
        paths.append(path)
        if inp.finalized:
            raise PSBTError("input %d: already finalized" % n)
        if inp.sighash is not None and inp.sighash not in (SIGHASH_DEFAULT, SIGHASH_ALL):
            raise PSBTError("input %d: unsupported sighash type" % n)
        if inp.merkle_root is not None:
            raise PSBTError("input %d: script tree not in this wallet" % n)
        if inp.internal_key is not None and wallet.agg_xonly is not None:
            own = wallet.agg_xonly if path is None else wallet.children.child(path)[1][1:]
            if inp.internal_key != own:
                raise PSBTError("input %d: internal key not ours" % n)
        for agg, raw in inp.musig or ():
            if wallet.agg_key is not None and (agg != wallet.agg_key or raw != wallet.participants_raw):
                raise PSBTError("input %d: MuSig2 participants not ours" % n)
        total_in += inp.amount
        if total_in > MAX_MONEY:
            raise PSBTError("input total out of range")

    lines = []
    total_out = 0
    for n, o in enumerate(tx.outputs):
        meta = psbt.outputs[n]
        change = o.script == wallet.script
        path = None
        if not change:
            path = wallet.own_path(meta.derivations, o.script, meta.internal_key)
            if path is not None:
                from .hd import MAX_INDEX

                if path[1] >= MAX_INDEX:
                    raise PSBTError("output %d: change to index %d, beyond %d" % (n, path[1], MAX_INDEX))
                change = True
        if not change and wallet.claims_ours(meta.internal_key, meta.musig):
            raise PSBTError("output %d: change claimed but not ours" % n)
        if change and meta.tap_tree:
            raise PSBTError("output %d: change with a script tree" % n)
        total_out += o.amount
        lines.append(OutputLine(n, describe_script(o.script, wallet.network), o.amount, change, path))
    if total_out > MAX_MONEY:
        raise PSBTError("output total out of range")
    fee = total_in - total_out
    if fee < 0:
        raise PSBTError("fee is negative")

    vsize = _vsize(tx, psbt.inputs)
    warnings = []
    sent = sum(x.amount for x in lines if not x.change)
    if fee > HIGH_FEE_RATE * vsize:
        warnings.append("fee rate above %d sat/vB" % HIGH_FEE_RATE)
    if sent and fee * 100 > HIGH_FEE_SHARE * sent:
        warnings.append("fee above %d%% of amount sent" % HIGH_FEE_SHARE)
    if not sent:
        warnings.append("self-transfer: every output is change")
    cache = SighashCache(tx, [i.amount for i in psbt.inputs], [i.script for i in psbt.inputs])
    return Review(psbt, cache, lines, total_in, total_out, fee, vsize, warnings, paths, wallet)


def review_psbt(buf, wallet):
    """Parse and review in one step: the card's entry point for a PSBT it was sent."""
    from .psbt import parse  # imported late: the compiler's peak stays small in a 100 KB heap

    return review(parse(buf, wallet.known()), wallet)
