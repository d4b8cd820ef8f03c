# heapsize: 2m
# The card's HD children (btc/hd.py) on the card's interpreter: scripts and MuSig2 tweaks of
# BIP-328 <0;1>/index children of a MuSig2 aggregate. Expected values are the host's
# (libsecp256k1), which tests/host/test_wallet_hd.py checks against btclib's musig() descriptors.
from ptest import h2b

AGG = h2b("02d50ee5309c0625aa97ed74fab7d63f0586f4ac6c07c13e56a606419704f190f3")
CASES = (
    ((0, 0), "5120da30c3400c34374d97e6f178e0ac7ac01770abb6a339c7da0c5caf6b8694f0b1",
     "f8573f8ec65828d26df667b9ad34afea912ddd9125071dc8c68d5e9b84a7cf0d",
     "60c7eb74b1113e42a7598af78a0dd8fc28b41ef09f2dceb2f34d7d20ab9202f0"),
    ((1, 1), "51202a086f28e5d390740ae6c2e93848d66a14a8fcb1f7caf413e8aa946ce7262943",
     "6af5303dc396ecd28ec77d4d31e38e7048790025a79a8dfc5a18ce1bf5088f06",
     "fc55d3307cd8fda27e50740335a43386a63a66fb0dcd6c4b69af89c68471bda6"),
    ((0, 3), "5120d5a81702779772509fe6631e6a0b90311f54dc2a426e7bac1397c92b39e6bfee",
     "f8573f8ec65828d26df667b9ad34afea912ddd9125071dc8c68d5e9b84a7cf0d",
     "689fc545b527a474f08a8e1507fc83b22860cc4f06f03b5f99487d3070c78b22"),
)


def test_children_scripts_and_tweaks():
    from bioshard_card.btc.hd import Children

    c = Children(AGG)
    for path, script, t1, t2 in CASES:
        assert c.script(path) == h2b(script)
        tweaks, is_xonly = c.tweaks(path)
        assert tweaks[0] == h2b(t1) and tweaks[1] == h2b(t2)
        assert is_xonly == [False, False, True] and len(tweaks[2]) == 32


def test_find_takes_only_a_matching_child():
    from bioshard_card.btc.hd import Children

    c = Children(AGG)
    script = h2b(CASES[2][1])
    wrong = ((b"\x00" * 32, (0, 2)), (b"\x01" * 32, (0, 0x80000003)), (b"\x02" * 32, (2, 3)))
    assert c.find(wrong, script, None) is None
    assert c.find(wrong + ((b"\x03" * 32, (0, 3)),), script, None) == (0, 3)
    # an internal key that is not the entry's: skipped
    assert c.find(((b"\x03" * 32, (0, 3)),), script, b"\x04" * 32) is None


def test_path_text():
    from bioshard_card.btc.hd import path_text

    assert path_text((0, 5)) == "receive #5" and path_text((1, 1)) == "change #1"
