# sign: co-sign a PSBT for the wallet on the card (flows/sign reviews it with the owner).
from ..flows import errors
from ..flows import sign as sign_flow


async def sign(card, params):
    psbt, blob, nonces = params["psbt"], params["blob"], params["nonces"]
    if not isinstance(psbt, (bytes, bytearray)) or not isinstance(blob, (bytes, bytearray)):
        raise errors.bad_params("psbt and blob must be bytes")
    return await card.run_flow(sign_flow.sign(card.display, card.fingers, card.wallet, psbt, blob, nonces))
