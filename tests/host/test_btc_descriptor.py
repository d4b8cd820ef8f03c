"""BIP-380 checksums and BIP-390 musig() descriptors, against the BIPs' own test vectors
(bitcoin/bips bip-0380.mediawiki, bip-0390.mediawiki, bip-0328 vectors) and against embit's
and the card's independent implementations."""
import pytest
from hypothesis import given, settings, strategies as st

from bioshard.wallet import descriptor as D
from bioshard.wallet import keyagg

K1 = "02f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9"
K2 = "03dff1d77f2a671c5f36183726db2341be58feae1da2deced843240f7b502ba659"
K3 = "023590a94e768f8e1815c2f24b4d80a8e3149316c3518ce7b7ad338368d038ca66"
X1 = "xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL"
X2 = "xpub68NZiKmJWnxxS6aaHmn81bvJeTESw724CRDs6HbuccFQN9Ku14VQrADWgqbhhTHBaohPX4CjNLf9fq9MYo6oDaPPLPxSb7gwQN3ih19Zm4Y"


def test_bip380_checksum_examples():
    assert D.strip_checksum("raw(deadbeef)#89f8spxm") == "raw(deadbeef)"
    assert D.strip_checksum("raw(deadbeef)") == "raw(deadbeef)"
    for bad in ("raw(deadbeef)#", "raw(deadbeef)#89f8spxmx", "raw(deadbeef)#89f8spx",
                "raw(dedbeef)#89f8spxm", "raw(deadbeef)##9f8spxm", "raw(Ü)#00000000"):
        with pytest.raises(D.DescriptorError):
            D.strip_checksum(bad)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=D.INPUT_CHARSET.replace("#", ""), min_size=1, max_size=120))
def test_checksum_matches_embit(s):
    embit_checksum = pytest.importorskip("embit.descriptor.checksum").checksum
    assert D.checksum(s) == embit_checksum(s)


def test_bip390_valid_vectors():
    d = D.Descriptor("tr(musig(%s,%s,%s))" % (K1, K2, K3))
    assert d.script().hex() == "512079e6c3e628c9bfbce91de6b7fb28e2aec7713d377cf260ab599dcbc40e542312"
    # key order in the text does not matter (KeySort after derivation)
    assert D.Descriptor("tr(musig(%s,%s,%s))" % (K3, K1, K2)).script() == d.script()
    r = D.Descriptor("rawtr(musig(%s,%s)/0/*)" % (X1, X2))
    assert [r.script(i).hex() for i in range(3)] == [
        "51209508c08832f3bb9d5e8baf8cb5cfa3669902e2f2da19acea63ff47b93faa9bfc",
        "51205ca1102663025a83dd9b5dbc214762c5a6309af00d48167d2d6483808525a298",
        "51207dbed1b89c338df6a1ae137f133a19cae6e03d481196ee6f1a5c7d1aeb56b166",
    ]
    # tr() over the same derived aggregate is its BIP-341 tweak
    t = D.Descriptor("tr(musig(%s,%s)/0/*)" % (X1, X2))
    for i in range(3):
        assert t.output_key(i) == keyagg.taproot_output_key(r.aggregate_key(i))


INVALID = [
    "pk(musig(%s,%s,%s))" % (K1, K2, K3),
    "pkh(musig(%s,%s,%s))" % (K1, K2, K3),
    "wpkh(musig(%s,%s,%s))" % (K1, K2, K3),
    "combo(musig(%s,%s,%s))" % (K1, K2, K3),
    "sh(wpkh(musig(%s,%s,%s)))" % (K1, K2, K3),
    "sh(wsh(pk(musig(%s,%s,%s))))" % (K1, K2, K3),
    "wsh(musig(%s,%s,%s))" % (K1, K2, K3),
    "sh(musig(%s,%s,%s))" % (K1, K2, K3),
    "tr(musig(%s,%s,%s)/0/0)" % (K1, K2, K3),
    "tr(musig(%s/*,%s)/0/*)" % (X1, X2),
    "tr(musig(%s,%s)/0h/*)" % (X1, X2),
    "tr(musig(%s,%s)/0/*h)" % (X1, X2),
]


@pytest.mark.parametrize("desc", INVALID, ids=range(len(INVALID)))
def test_bip390_invalid_vectors(desc):
    with pytest.raises(D.DescriptorError):
        D.Descriptor(desc)


def test_roundtrip_with_checksum_and_multipath():
    text = "tr(musig([deadbeef/48h/0h/0h]%s/<0;1>/*,%s/<0;1>/*))" % (X1, X2)
    d = D.Descriptor(text)
    s = str(d)
    assert s.startswith(text + "#") and D.Descriptor(s).script(5, True) == d.script(5, True)
    assert d.script(0, False) != d.script(0, True) != d.script(1, True)
    with pytest.raises(D.DescriptorError):
        D.Descriptor(s[:-1] + ("q" if s[-1] != "q" else "p"))


def test_participant_derivation_agrees_with_card_crypto():
    # Same derived key computed by the card's pure-Python BIP-32/MuSig2/Taproot code.
    from bioshard_card.crypto import bip32, musig2, taproot
    d = D.Descriptor("tr(musig(%s/<0;1>/*,%s/<0;1>/*))" % (X1, X2))
    for index, change in ((0, False), (7, True)):
        keys = []
        for x in (X1, X2):
            pk, cc = D.parse_xpub(x)
            for n in ((1 if change else 0), index):
                pk, cc, _ = bip32.ckd_pub(pk, cc, n)
            keys.append(pk)
        agg = musig2.get_xonly_pk(musig2.key_agg(musig2.key_sort(keys)))
        assert d.output_key(index, change) == taproot.output_key(agg)[0]


BIP328 = [  # bitcoin/bips bip-0328 vectors (also ../shared/vectors/bip328/vectors.json)
    ("0354240c76b8f2999143301a99c7f721ee57eee0bce401df3afeaa9ae218c70f23",
     ["03935F972DA013F80AE011890FA89B67A27B7BE6CCB24D3274D18B2D4067F261A9",
      "02F9308A019258C31049344F85F89D5229B531C845836F99B08601F113BCE036F9"],
     "xpub661MyMwAqRbcFt6tk3uaczE1y6EvM1TqXvawXcYmFEWijEM4PDBnuCXwwXEKGEouzXE6QLLRxjatMcLLzJ5LV5Nib1BN7vJg6yp45yHHRbm"),
    ("0290539eede565f5d054f32cc0c220126889ed1e5d193baf15aef344fe59d4610c",
     ["02F9308A019258C31049344F85F89D5229B531C845836F99B08601F113BCE036F9",
      "03DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659",
      "023590A94E768F8E1815C2F24B4D80A8E3149316C3518CE7B7AD338368D038CA66"],
     "xpub661MyMwAqRbcFt6tk3uaczE1y6EvM1TqXvawXcYmFEWijEM4PDBnuCXwwVk5TFJk8Tw5WAdV3DhrGfbFA216sE9BsQQiSFTdudkETnKdg8k"),
]


@pytest.mark.parametrize("agg,keys,xpub", BIP328)
def test_bip328_aggregate_xpub(agg, keys, xpub):
    a = keyagg.key_agg([bytes.fromhex(k) for k in keys])
    assert a.hex() == agg
    assert D.xpub_string(a, D.BIP328_CHAINCODE) == xpub


def test_key_agg_official_vectors(shared):
    import json
    v = json.loads((shared / "vectors" / "bip327" / "key_agg_vectors.json").read_text())
    for c in v["valid_test_cases"]:
        keys = [bytes.fromhex(v["pubkeys"][i]) for i in c["key_indices"]]
        assert keyagg.key_agg(keys)[1:].hex().upper() == c["expected"]


_PIECES = ["tr(", "rawtr(", "musig(", ")", ",", "/", "*", "<0;1>", "0", "1h", "'", "#", "[deadbeef/48h]",
           K1, K2, K3, X1, X2, X1[:20], "02" + "00" * 32, "tpub", "xpub", "pk(", "<", ";", ">"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12))
def test_descriptor_parser_fails_cleanly(pieces):
    # Whatever text a user pastes, the parser answers with a Descriptor or a ValueError
    # (DescriptorError, or a bad key/point), which the CLI turns into exit code 7.
    text = "".join(pieces)
    try:
        d = D.Descriptor(text)
    except ValueError:
        return
    assert D.Descriptor(str(d)).script(1, True) == d.script(1, True)
