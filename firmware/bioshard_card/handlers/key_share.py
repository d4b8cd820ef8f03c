# enroll and recover: the two ways the card gets its key share. Enroll binds new fingers into a
# new helper blob; recover reads a backed-up blob with the same fingers. Either way only the
# public key share (and the card factor, if the wallet has one) is kept, in the wallet record
# (WalletRecord.successor decides what of the old wallet it keeps).
#
# With factor=true the key share also depends on the card factor (bio/card_factor.py): the
# request answers {"blinded"} (and the blob, for enroll) and waits for factor.finish with the
# backup service's evaluation, relayed by the host. Nothing is written before that answer; any
# other request or a dropped session discards the pending request (card.factor_request).
from ..flows import errors
from ..flows import enroll as enroll_flow
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


def _keep(card, secret_b, net, factor=None):
    """Write the wallet record for the key share of `secret_b` (already mixed with `factor`)."""
    from ..crypto.kdf import card_share_pubkey

    pub = card_share_pubkey(secret_b)
    w = card.wallet
    w = WalletRecord(pub, None, net, factor=factor) if w is None else w.successor(pub, net, factor)
    card.save_wallet(w)
    return {"pubkey": pub, "network": w.network, "wallet": w.ready, "factor": factor is not None}


def _ask_factor(card, secret_b, net):
    from ..bio.card_factor import Request

    req = Request(secret_b)
    card.factor_request = (req, net)
    return {"blinded": req.blinded}


async def enroll(card, params):
    ids = _finger_ids(params)
    presses = params.get("presses", enroll_flow.PRESSES_DEFAULT)
    net = _network(params)
    if card.wallet is not None and not params.get("replace"):
        raise errors.not_ready("this card already has a wallet; enrolling again replaces it (replace=true)")

    async def flow():
        blob, secret_b = await enroll_flow.enroll(card.display, card.fingers, ids, presses)
        res = _ask_factor(card, secret_b, net) if params.get("factor") else _keep(card, secret_b, net)
        res["blob"] = blob
        return res

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
        secret_b = await sign_flow.read_secret_b(card.display, card.fingers, blob, False, "Restore")
        return _ask_factor(card, secret_b, net) if params.get("factor") else _keep(card, secret_b, net)

    return await card.run_flow(flow())


async def factor_finish(card, params):
    """The backup service's evaluation of the pending request's blinded point."""
    from ..crypto.oprf import OprfError

    pending = card.factor_request
    card.factor_request = None  # one answer per request, whatever it is
    if pending is None:
        raise errors.not_ready("no card factor request is waiting (enroll or recover with factor=true first)")
    ev = params.get("evaluated")
    if not isinstance(ev, (bytes, bytearray)) or len(ev) != 33:
        pending[0].wipe()
        raise errors.bad_params("evaluated: the service's 33-byte answer")
    req, net = pending
    try:
        factor, mixed = req.finish(ev)
    except OprfError as e:
        req.wipe()
        raise errors.bad_params(str(e))
    return _keep(card, mixed, net, factor)
