# What the card's MuSig2 session signs for each input of a reviewed PSBT: the BIP-341 sighash
# as the message, the wallet's sorted participant keys, and the Taproot key-path tweak
# t = H_TapTweak(x(aggregate)) applied as an x-only tweak (BIP-327 "ApplyTweak" with
# is_xonly = True), so the aggregate signature verifies under the P2TR output key; an HD
# child's two BIP-328 plain tweaks come first (btc/hd.py).
# Only a Review — which already refused anything not ours — can produce these.
from .sighash import tagged_hash


def taproot_tweak(agg_key):
    """Key-path tweak for a 33-byte compressed (or 32-byte x-only) aggregate key."""
    return tagged_hash("TapTweak", bytes(agg_key[-32:]))


def session_params(review, wallet):
    """[(msg, pubkeys, tweaks, is_xonly)] per input, for CardSigner.nonce_gen(): the Taproot
    tweak of the aggregate, or for an HD child the derivation tweaks first (Review.session_tweaks)."""
    if wallet.agg_key is None or not wallet.participants:
        raise ValueError("wallet keys unknown")
    out = []
    for i in range(len(review.psbt.inputs)):
        tweaks, is_xonly = wallet.session_tweaks(review.paths[i])
        out.append((review.sighash(i), wallet.participants, tweaks, is_xonly))
    return out
