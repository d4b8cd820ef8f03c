"""Regenerate corpus.json: valid PSBTs for the test wallet and hostile ones, each hostile one
with the exact refusal the card must give.

    .venv/bin/python tests/psbt_corpus/gen_corpus.py

CPython only (host builder + coincurve + embit). The expected addresses and sizes come from
embit and from measuring a dummy-signed transaction, not from the card code under test.
"""
import hashlib
import json
import struct
from pathlib import Path

from coincurve import PrivateKey
from embit.networks import NETWORKS
from embit.script import Script

from bioshard.wallet import keyagg
from bioshard.wallet.psbt_build import Utxo, build
from bioshard.wallet.psbt_io import PsbtMaps, parse as parse_maps
from bioshard_card.btc.compact import var_bytes
from bioshard_card.btc.tx import Tx, TxIn, TxOut

HERE = Path(__file__).parent
NET = "test"


def _key(label):
    # Public, fixed test keys: never used for real funds.
    return PrivateKey(hashlib.sha256(b"bioshard corpus " + label).digest())


HOST = _key(b"host A").public_key.format()
CARD = _key(b"card B").public_key.format()
OTHER = _key(b"stranger").public_key.format()
PARTS, AGG, OUT = keyagg.wallet_keys([HOST, CARD])
OWN = b"\x51\x20" + OUT
_, OTHER_AGG, OTHER_OUT = keyagg.wallet_keys([HOST, OTHER])
FOREIGN_TR = b"\x51\x20" + OTHER_OUT
P2WPKH = bytes.fromhex("0014751e76e8199196d454941c45d1b3a323f1433bd6")
P2PKH = bytes.fromhex("76a914751e76e8199196d454941c45d1b3a323f1433bd688ac")
OP_RETURN = bytes.fromhex("6a0b62696f736861726420763031")


def _txid(n):
    return hashlib.sha256(b"prev tx %d" % n).hexdigest()


def utxos(amounts, script=OWN):
    return [Utxo(_txid(i), i % 3, a, script) for i, a in enumerate(amounts)]


def spend(amounts, outputs, **kw):
    return build(utxos(amounts), outputs, AGG, PARTS, OUT, **kw)


def vsize(p: PsbtMaps, sig_len=64):
    """Measured from a dummy-signed serialization: weight = 3*base + total."""
    tx = p.tx
    base = len(tx.serialize())
    total = len(tx.serialize([[b"\x00" * sig_len] for _ in tx.inputs]))
    return (3 * base + total + 3) // 4


def addr(script):
    try:
        return Script(script).address(NETWORKS[NET])
    except Exception:
        return None


def valid_case(name, p, sig_len=64):
    tx = p.tx
    total_in = sum(struct.unpack("<Q", m[b"\x01"][:8])[0] for m in p.inputs)
    return {
        "name": name,
        "hex": p.serialize().hex(),
        "fee": total_in - sum(o.amount for o in tx.outputs),
        "vsize": vsize(p, sig_len),
        "outputs": [[addr(o.script), o.amount, o.script == OWN] for o in tx.outputs],
    }


def valid_cases():
    out = []
    out.append(valid_case("send with change", spend([150000, 60000], [(P2WPKH, 100000), (OWN, 108590)])))
    p = spend([50000], [(P2PKH, 20000), (OP_RETURN, 0), (OWN, 29000)])
    out.append(valid_case("legacy recipient and OP_RETURN", p))
    out.append(valid_case("self-transfer", spend([10000, 20000, 30000], [(OWN, 59000)])))
    p = spend([80000], [(FOREIGN_TR, 79000)])
    p.inputs[0][b"\x03"] = struct.pack("<I", 1)
    out.append(valid_case("explicit SIGHASH_ALL", p, 65))
    # Unknown and proprietary fields are ignored by signers (BIP-174).
    p = spend([80000], [(P2WPKH, 79000)])
    p.global_map[b"\xfc\x08bioshard\x01"] = b"x"
    p.inputs[0][b"\xf0"] = b"unknown"
    p.outputs[0][b"\xfc\x00\x00"] = b""
    out.append(valid_case("unknown and proprietary fields", p))
    # The limits themselves: 32 inputs, 16 outputs must review inside the card's heap.
    p = build(utxos([100000] * 32), [(P2WPKH, 1000)] * 15 + [(OWN, 3000000)], AGG, PARTS, OUT)
    out.append(valid_case("maximum inputs and outputs", p))
    return out


def _maps(mut):
    p = spend([150000, 60000], [(P2WPKH, 100000), (OWN, 108590)])
    mut(p)
    return p.serialize()


def _raw_tx(mut_tx):
    def m(p):
        tx = p.tx
        p.global_map[b"\x00"] = mut_tx(tx)
    return m


def hostile_cases():
    base = _maps(lambda p: None)
    cases = []

    def add(name, data, reason):
        cases.append({"name": name, "hex": data.hex(), "reason": reason})

    def set_(where, key, value):
        def m(p):
            where(p)[key] = value
        return m

    in0 = lambda p: p.inputs[0]
    out0 = lambda p: p.outputs[0]
    out1 = lambda p: p.outputs[1]
    g = lambda p: p.global_map

    add("empty", b"", "not a PSBT")
    add("magic only", b"psbt\xff", "truncated data")
    add("wrong magic", b"psbt\xfe" + base[5:], "not a PSBT")
    add("truncated in half", base[: len(base) // 2], "truncated data")
    add("truncated by one byte", base[:-1], "truncated data")
    cut = _maps(lambda p: None)
    p0 = parse_maps(cut)
    p0.outputs = []
    add("output maps missing", p0.serialize(), "missing output maps")
    p0.inputs = p0.inputs[:1]
    add("input map missing", p0.serialize(), "missing input maps")
    add("trailing byte", base + b"\x00", "trailing bytes after PSBT")
    add("missing unsigned tx", b"psbt\xff\x00", "missing unsigned tx")
    add("huge key length", b"psbt\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", "key too long")
    add("huge value length", b"psbt\xff\x01\x00\xff\xff\xff\xff\xff\xff\xff\xff\x7f", "truncated data")
    add("non-canonical compact size", b"psbt\xff\xfd\x01\x00\x00", "non-canonical compact size")
    # duplicate key: the same witness utxo twice in input 0
    i = base.index(b"\x01\x01\x2b")  # keylen 1, key 0x01, value len 43
    dup = base[:i] + base[i : i + 3 + 43] + base[i:]
    add("duplicate key", dup, "duplicate key")
    add("PSBT version 2", _maps(set_(g, b"\xfb", struct.pack("<I", 2))), "only PSBT version 0 is supported")
    add("v2 global field in v0", _maps(set_(g, b"\x04", b"\x02")), "PSBT v2 field in a v0 PSBT")
    add("v2 input field in v0", _maps(set_(in0, b"\x0e", b"\x00" * 32)), "PSBT v2 field in a v0 PSBT")
    add("v2 output field in v0", _maps(set_(out0, b"\x03", b"\x00" * 8)), "PSBT v2 field in a v0 PSBT")

    def with_scriptsig(tx):
        raw = tx.serialize()
        j = 4 + 1 + 36  # version, count, first outpoint
        return raw[:j] + b"\x01\x51" + raw[j + 1 :]

    add("unsigned tx has scriptSig", _maps(_raw_tx(with_scriptsig)), "unsigned tx has a scriptSig")
    add("unsigned tx with witness", _maps(_raw_tx(lambda tx: tx.serialize([[b"\x01"], [b"\x01"]]))),
        "unsigned tx has no inputs or witness data")
    add("unsigned tx trailing bytes", _maps(_raw_tx(lambda tx: tx.serialize() + b"\x00")),
        "trailing bytes after unsigned tx")

    def dup_input(tx):
        tx.inputs[1] = TxIn(tx.inputs[0].txid, tx.inputs[0].vout, 0)
        return tx.serialize()

    add("same coin spent twice", _maps(_raw_tx(dup_input)), "duplicate input")

    def big_output(tx):
        tx.outputs[0] = TxOut(21000000 * 10**8 + 1, tx.outputs[0].script)
        return tx.serialize()

    add("output amount above 21M BTC", _maps(_raw_tx(big_output)), "output amount out of range")

    def overflow_outputs(tx):
        tx.outputs = [TxOut(20000000 * 10**8, P2WPKH), TxOut(20000000 * 10**8, OWN)]
        return tx.serialize()

    add("output total above 21M BTC", _maps(_raw_tx(overflow_outputs)), "output total out of range")

    def long_script(tx):
        tx.outputs[0] = TxOut(1000, b"\x6a" + b"\x00" * 200)
        return tx.serialize()

    add("output script too long", _maps(_raw_tx(long_script)), "output script too long")
    many = build(utxos([1000] * 33), [(P2WPKH, 500)], AGG, PARTS, OUT)
    add("too many inputs", many.serialize(), "too many inputs")
    many = spend([10**6], [(P2WPKH, 1000)] * 17)
    add("too many outputs", many.serialize(), "too many outputs")

    def many_fields(p):
        for k in range(70):
            p.inputs[0][b"\xfc\x00" + bytes((k,))] = b""

    add("too many fields", _maps(many_fields), "too many fields in a map")
    add("witness utxo amount above 21M BTC",
        _maps(set_(in0, b"\x01", struct.pack("<Q", 21000000 * 10**8 + 1) + var_bytes(OWN))),
        "input amount out of range")
    add("witness utxo with trailing byte", _maps(set_(in0, b"\x01", struct.pack("<Q", 150000) + var_bytes(OWN) + b"\x00")),
        "bad witness utxo length")
    add("witness utxo key with keydata", _maps(set_(in0, b"\x01\x00", struct.pack("<Q", 1) + var_bytes(OWN))),
        "bad key for witness utxo")
    add("internal key 31 bytes", _maps(set_(in0, b"\x17", AGG[1:32])), "bad tap internal key length")
    add("sighash type 3 bytes", _maps(set_(in0, b"\x03", b"\x01\x00\x00")), "bad sighash type length")
    add("tap key sig 63 bytes", _maps(set_(in0, b"\x13", b"\x01" * 63)), "bad tap key sig length")
    add("musig participants not a multiple of 33",
        _maps(set_(in0, b"\x1a" + AGG, b"".join(PARTS) + b"\x00")), "bad musig2 participants value")
    add("musig participants with x-only aggregate", _maps(set_(in0, b"\x1a" + AGG[1:], b"".join(PARTS))),
        "bad key for musig2 participants")
    add("musig partial sig 31 bytes (BIP-373 invalid)", _maps(set_(in0, b"\x1c" + CARD + AGG, b"\x01" * 31)),
        "bad musig2 partial sig length")
    add("musig nonce with x-only participant (BIP-373 invalid)", _maps(set_(in0, b"\x1b" + CARD[1:] + AGG, b"\x02" * 66)),
        "bad key for musig2 pub nonce")
    add("tap bip32 derivation truncated", _maps(set_(in0, b"\x16" + OUT, b"\x01" + b"\x00" * 10)),
        "bad tap bip32 derivation value")
    add("non-witness utxo for another tx", _maps(set_(in0, b"\x00", Tx(2, [TxIn(b"\x00" * 32, 0, 0)], [TxOut(1, OWN)]).serialize())),
        "non-witness utxo does not match the input")
    # ---- well-formed PSBTs the review must refuse ----
    add("missing witness utxo", _maps(lambda p: p.inputs[1].pop(b"\x01")), "input 1: missing witness utxo")
    add("non-Taproot input", _maps(set_(in0, b"\x01", struct.pack("<Q", 150000) + var_bytes(P2WPKH))),
        "input 0: not Taproot, not ours")
    add("Taproot input not ours", _maps(set_(in0, b"\x01", struct.pack("<Q", 150000) + var_bytes(FOREIGN_TR))),
        "input 0: Taproot input not ours")
    add("SIGHASH_NONE", _maps(set_(in0, b"\x03", struct.pack("<I", 2))), "input 0: unsupported sighash type")
    add("SIGHASH_SINGLE|ANYONECANPAY", _maps(set_(in0, b"\x03", struct.pack("<I", 0x83))), "input 0: unsupported sighash type")
    add("SIGHASH_ALL|ANYONECANPAY", _maps(set_(in0, b"\x03", struct.pack("<I", 0x81))), "input 0: unsupported sighash type")
    add("sighash type above 255", _maps(set_(in0, b"\x03", struct.pack("<I", 0x101))), "input 0: unsupported sighash type")
    add("already finalized", _maps(set_(in0, b"\x08", b"\x01\x40" + b"\x00" * 64)), "input 0: already finalized")
    add("script tree claimed", _maps(set_(in0, b"\x18", b"\x11" * 32)), "input 0: script tree not in this wallet")
    add("internal key not ours", _maps(set_(in0, b"\x17", OTHER_AGG[1:])), "input 0: internal key not ours")
    add("input musig participants not ours", _maps(set_(in0, b"\x1a" + AGG, HOST + OTHER)),
        "input 0: MuSig2 participants not ours")

    def negative_fee(p):
        p.inputs[1][b"\x01"] = struct.pack("<Q", 1000) + var_bytes(OWN)

    add("negative fee", _maps(negative_fee), "fee is negative")

    def in_overflow(p):
        for m in p.inputs:
            m[b"\x01"] = struct.pack("<Q", 15000000 * 10**8) + var_bytes(OWN)

    add("input total above 21M BTC", _maps(in_overflow), "input total out of range")

    def fake_change_internal(p):
        p.outputs[0][b"\x05"] = AGG[1:]

    add("change claimed by internal key", _maps(fake_change_internal), "output 0: change claimed but not ours")

    def fake_change_musig(p):
        p.outputs[0][b"\x08" + OTHER_AGG] = HOST + CARD

    add("change claimed by card participant key", _maps(fake_change_musig), "output 0: change claimed but not ours")
    add("proprietary key without subtype", _maps(set_(out0, b"\xfc\x00", b"")), "bad proprietary key")
    add("change claimed by our aggregate key",
        _maps(set_(out0, b"\x08" + AGG, HOST + OTHER)), "output 0: change claimed but not ours")

    def no_outputs(tx):
        raw = tx.serialize()
        return raw[: 4 + 1 + 41 * len(tx.inputs)] + b"\x00" + raw[-4:]

    def no_output_maps(p):
        p.global_map[b"\x00"] = no_outputs(p.tx)
        p.outputs = []

    add("unsigned tx without outputs", _maps(no_output_maps), "unsigned tx has no outputs")
    add("input count of four billion",
        b"psbt\xff\x01\x00" + bytes((20,)) + b"\x02\x00\x00\x00\xfe\xff\xff\xff\xff" + b"\x00" * 11,
        "too many inputs")
    add("change with a script tree", _maps(set_(out1, b"\x06", b"\x00\xc0\x01\x51")), "output 1: change with a script tree")
    return cases


def _fname(i, name):
    slug = "".join(c if c.isalnum() else "_" for c in name.lower()).strip("_")
    while "__" in slug:
        slug = slug.replace("__", "_")
    return "%02d_%s.psbt" % (i, slug)


def main():
    # One binary file per PSBT so the card-side test can load them one at a time in a 100 KB
    # heap, and so fuzzers can take the directory as a seed corpus.
    for sub in ("valid", "hostile"):
        d = HERE / sub
        d.mkdir(exist_ok=True)
        for f in d.glob("*.psbt"):
            f.unlink()
    wallet = {"network": NET, "host_key": HOST.hex(), "card_key": CARD.hex(),
              "participants": [k.hex() for k in PARTS], "agg_key": AGG.hex(), "output_key": OUT.hex()}
    (HERE / "wallet.json").write_text(json.dumps(wallet, indent=1) + "\n")
    index = []
    for i, c in enumerate(valid_cases()):
        fn = _fname(i, c["name"])
        (HERE / "valid" / fn).write_bytes(bytes.fromhex(c.pop("hex")))
        c["file"] = fn
        index.append(c)
    (HERE / "valid.json").write_text(json.dumps(index, indent=1) + "\n")
    lines = []
    hostile = hostile_cases()
    for i, c in enumerate(hostile):
        fn = _fname(i, c["name"])
        (HERE / "hostile" / fn).write_bytes(bytes.fromhex(c["hex"]))
        lines.append("%s\t%s\n" % (fn, c["reason"]))
    (HERE / "hostile.tsv").write_text("".join(lines))
    print("valid %d, hostile %d" % (len(index), len(hostile)))


if __name__ == "__main__":
    main()
