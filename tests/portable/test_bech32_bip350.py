# heapsize: 100k
# Bech32/Bech32m strings and segwit addresses: the test vectors of BIP-350 (bitcoin/bips
# bip-0350.mediawiki, "Test vectors"), plus P2TR addresses on every network the card knows.
from ptest import h2b, b2h, raises

from bioshard_card.btc import bech32
from bioshard_card.btc.address import address_to_script, script_to_address, describe_script
from bioshard_card.btc.errors import PSBTError

VALID_BECH32M = [
    "A1LQFN3A",
    "a1lqfn3a",
    "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
    "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
    "11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
    "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
    "?1v759aa",
]

INVALID_BECH32M = [
    "\x201xj0phk",
    "\x7f1g6xzxy",
    "\x801vctc34",
    "an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4",
    "qyrz8wqd2c9m",
    "1qyrz8wqd2c9m",
    "y1b0jsk6g",
    "lt1igcx5c0",
    "in1muywd",
    "mm1crxm3i",
    "au1s5cgom",
    "M1VUXWEZ",
    "16plkw9",
    "1p2gdwpf",
]

VALID_ADDRESSES = [
    ("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "0014751e76e8199196d454941c45d1b3a323f1433bd6"),
    ("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
     "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262"),
    ("bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
     "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6"),
    ("BC1SW50QGDZ25J", "6002751e"),
    ("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "5210751e76e8199196d454941c45d1b3a323"),
    ("tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
     "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"),
    ("tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
     "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"),
    ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
     "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"),
]

INVALID_ADDRESSES = [
    "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
    "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf",
    "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",
    "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47",
    "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",
    "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",
    "bc1pw5dgrnzv",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
    "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",
    "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",
    "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j",
    "bc1gmk9yu",
]


def test_valid_bech32m_strings():
    for s in VALID_BECH32M:
        hrp, data, spec = bech32.decode(s)
        assert spec == bech32.BECH32M, s
        # Re-encoding gives back the string (lowercased), so the checksum path is exercised both ways.
        assert bech32.encode(hrp, data, spec) == s.lower()


def test_invalid_bech32m_strings():
    for s in INVALID_BECH32M:
        try:
            _, _, spec = bech32.decode(s)
        except PSBTError:
            continue
        assert spec != bech32.BECH32M, s


def _hrp(addr):
    return addr.lower().split("1")[0]


def test_valid_segwit_addresses():
    for addr, spk in VALID_ADDRESSES:
        hrp = _hrp(addr)
        ver, prog = bech32.decode_segwit(hrp, addr)
        script = bytes((0 if ver == 0 else 0x50 + ver, len(prog))) + prog
        assert b2h(script) == spk, addr
        assert bech32.encode_segwit(hrp, ver, prog) == addr.lower()


def test_invalid_segwit_addresses():
    for addr in INVALID_ADDRESSES:
        for hrp in ("bc", "tb"):
            raises(PSBTError, bech32.decode_segwit, hrp, addr)


def test_p2tr_on_every_network():
    spk = h2b("512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")
    for net, prefix in (("main", "bc1p"), ("test", "tb1p"), ("regtest", "bcrt1p")):
        a = script_to_address(spk, net)
        assert a.startswith(prefix) and len(a) == len(prefix) + 58
        assert address_to_script(a, net) == spk
    # the mainnet form is the BIP-350 vector for this script
    assert script_to_address(spk, "main") == VALID_ADDRESSES[-1][0]
    assert script_to_address(spk, "signet") == script_to_address(spk, "test")
    # a mainnet address is refused on testnet and vice versa
    raises(PSBTError, address_to_script, script_to_address(spk, "main"), "test")
    raises(PSBTError, address_to_script, script_to_address(spk, "test"), "main")


def test_legacy_and_other_scripts():
    # P2PKH of hash160 751e76e8..., the BIP-173 example key, is 1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH.
    p2pkh = h2b("76a914751e76e8199196d454941c45d1b3a323f1433bd688ac")
    assert script_to_address(p2pkh, "main") == "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH"
    assert address_to_script("1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH", "main") == p2pkh
    p2sh = h2b("a914751e76e8199196d454941c45d1b3a323f1433bd687")
    a = script_to_address(p2sh, "main")
    assert a[0] == "3" and address_to_script(a, "main") == p2sh
    assert script_to_address(p2sh, "test")[0] == "2"
    assert describe_script(h2b("6a0568656c6c6f")) == "OP_RETURN data (6 bytes)"
    assert describe_script(h2b("51")) == "non-standard script (1 bytes)"
    raises(PSBTError, address_to_script, "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMh", "main")
