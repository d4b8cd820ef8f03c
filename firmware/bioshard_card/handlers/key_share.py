# enroll and recover: the two ways the card gets its key share. Enroll binds new fingers into a
# new helper blob; recover reads a backed-up blob with the same fingers. Either way only the
# public key share is kept, in the wallet record (WalletRecord.successor decides what of the
# old wallet it keeps).
from ..flows import enroll as enroll_flow
from ..flows import errors
from ..flows import sign as sign_flow
from ..wallet_record import WalletRecord


def _finger_ids(params):
    ids = params["fingers"]
    if not isinstance(ids, list) or not ids or len(ids) > 5:
        raise errors.bad_params("fingers: a list of 1..5 finger positions")
    for f in ids:
        if not isinstance(f, int) or not 0 <= f <= 10:
            raise errors.bad_params("finger positions are ISO 19794-2 codes 0..10")
    return ids


def _network(params):
    net = params.get("network", "main")
    if net not in ("main", "test", "signet", "regtest"):
        raise errors.bad_params("unknown network (main, test, signet or regtest)")
    return net


def _successor(w, pub, net):
    """The wallet record after an enroll or recover derived `pub` (WalletRecord.successor)."""
    return WalletRecord(pub, None, net) if w is None else w.successor(pub, net)


async def enroll(card, params):
    ids = _finger_ids(params)
    presses = params.get("presses", enroll_flow.PRESSES_DEFAULT)
    net = _network(params)
    if card.wallet is not None and not params.get("replace"):
        raise errors.not_ready("this card already has a wallet; enrolling again replaces it (replace=true)")
    async def flow():
        blob, pub = await enroll_flow.enroll(card.display, card.fingers, ids, presses)
        card.save_wallet(_successor(card.wallet, pub, net))
        return {"blob": blob, "pubkey": pub}

    return await card.run_flow(flow())


async def recover(card, params):
    """A new card: the backed-up blob and the same fingers give the same key share."""
    blob = params["blob"]
    net = _network(params)
    if not isinstance(blob, (bytes, bytearray)):
        raise errors.bad_params("blob must be bytes")
    if card.wallet is not None and not params.get("replace"):
        raise errors.not_ready("this card already has a wallet (replace=true to overwrite)")

    async def flow():
        from ..crypto.kdf import card_share_pubkey

        secret_b = await sign_flow.read_secret_b(card.display, card.fingers, blob, False, "Restore")
        pub = card_share_pubkey(secret_b)
        secret_b = None
        w = _successor(card.wallet, pub, net)
        card.save_wallet(w)
        return {"pubkey": pub, "network": w.network, "wallet": w.ready}

    return await card.run_flow(flow())
