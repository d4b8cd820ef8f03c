# portfolio.push: the balance and last transactions the host shows on the idle screen. Public,
# unverified display data, kept in RAM only.
from ..flows import errors

MAX_TXS = 4


async def portfolio_push(card, params):
    bal = params["balance"]
    txs = params.get("txs", [])
    if not isinstance(bal, int) or bal < 0 or not isinstance(txs, list):
        raise errors.bad_params("balance: satoshis >= 0; txs: [[label, delta], ...]")
    clean = []
    for t in txs[:MAX_TXS]:
        if not (isinstance(t, list) and len(t) == 2 and isinstance(t[0], str) and isinstance(t[1], int)):
            raise errors.bad_params("each tx is [label, delta satoshis]")
        clean.append((t[0][:24], t[1]))
    card.portfolio = (bal, clean)
    if not card.busy:
        await card.show_idle()
    return {}
