# heapsize: 100k
# AES-256-CTR on the card's block primitive, checked against published vectors:
# NIST SP 800-38A F.5.5 (CTR-AES256.Encrypt) and RFC 3686 test vectors #7-#9 (AES-256).
from ptest import h2b, raises

from bioshard_card.crypto.aes_ctr import AesCtr, AesCtrError, aes256_ctr

SP800_38A_KEY = h2b("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4")
SP800_38A_CTR = h2b("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")
SP800_38A_PT = h2b(
    "6bc1bee22e409f96e93d7e117393172a" "ae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52ef" "f69f2445df4f9b17ad2b417be66c3710"
)
SP800_38A_CT = h2b(
    "601ec313775789a5b7a7f504bbf3d228" "f443e3ca4d62b59aca84e990cacaf5c5"
    "2b0930daa23de94ce87017ba2d84988d" "dfc9c58db67aada613c2dd08457941a6"
)


def _split_ctr(block):
    # Our counter block is nonce(12) || counter(32-bit BE); SP 800-38A's initial block fits.
    return block[:12], int.from_bytes(block[12:], "big")


def test_sp800_38a_f55_encrypt():
    nonce, c0 = _split_ctr(SP800_38A_CTR)
    assert aes256_ctr(SP800_38A_KEY, nonce, SP800_38A_PT, c0) == SP800_38A_CT


def test_sp800_38a_f56_decrypt():
    nonce, c0 = _split_ctr(SP800_38A_CTR)
    assert aes256_ctr(SP800_38A_KEY, nonce, SP800_38A_CT, c0) == SP800_38A_PT


def test_sp800_38a_partial_blocks_are_prefixes():
    nonce, c0 = _split_ctr(SP800_38A_CTR)
    ctr = AesCtr(SP800_38A_KEY)
    for n in (0, 1, 15, 16, 17, 33, 63):
        assert ctr.crypt(nonce, SP800_38A_PT[:n], c0) == SP800_38A_CT[:n]


def test_sp800_38a_starting_mid_stream():
    # Starting at block 2 must give ciphertext blocks 2..3 of the vector.
    nonce, c0 = _split_ctr(SP800_38A_CTR)
    assert aes256_ctr(SP800_38A_KEY, nonce, SP800_38A_PT[32:], c0 + 2) == SP800_38A_CT[32:]


# RFC 3686 section 6, test vectors #7, #8, #9 (AES-256); counter block = nonce(4)||IV(8)||ctr,
# counter starting at 1.
RFC3686 = (
    ("776BEFF2851DB06F4C8A0542C8696F6C6A81AF1EEC96B4D37FC1D689E6C1C104",
     "00000060" "DB5672C97AA8F0B2",
     "53696E676C6520626C6F636B206D7367",
     "145AD01DBF824EC7560863DC71E3E0C0"),
    ("F6D66D6BD52D59BB0796365879EFF886C66DD51A5B6A99744B50590C87A23884",
     "00FAAC24" "C1585EF15A43D875",
     "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
     "F05E231B3894612C49EE000B804EB2A9B8306B508F839D6A5530831D9344AF1C"),
    ("FF7A617CE69148E4F1726E2F43581DE2AA62D9F805532EDFF1EED687FB54153D",
     "001CC5B7" "51A51D70A1C11148",
     "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F20212223",
     "EB6C52821D0BBBF7CE7594462ACA4FAAB407DF866569FD07F48CC0B583D6071F1EC0E6B8"),
)


def test_rfc3686_aes256_vectors():
    for key, nonce, pt, ct in RFC3686:
        assert aes256_ctr(h2b(key), h2b(nonce), h2b(pt), 1) == h2b(ct)


def test_long_message_crosses_chunks_and_roundtrips():
    key = bytes(range(32))
    nonce = bytes(12)
    data = bytes((i * 7) & 0xFF for i in range(1000))
    ct = aes256_ctr(key, nonce, data)
    assert ct != data
    # Block i of the stream must equal the one-block encryption at counter i.
    for i in (0, 15, 16, 17, 62):
        assert aes256_ctr(key, nonce, data[16 * i:16 * i + 16], i) == ct[16 * i:16 * i + 16]
    assert aes256_ctr(key, nonce, ct) == data


def test_rejects_bad_key_nonce_and_counter_wrap():
    raises(AesCtrError, AesCtr, bytes(16))
    ctr = AesCtr(bytes(32))
    raises(AesCtrError, ctr.crypt, bytes(8), b"x")
    raises(AesCtrError, ctr.crypt, bytes(12), bytes(17), 0xFFFFFFFF)
    assert len(ctr.crypt(bytes(12), bytes(16), 0xFFFFFFFF)) == 16
