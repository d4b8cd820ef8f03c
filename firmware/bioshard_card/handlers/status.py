# get_version_info: what the card is and what state it is in; answered before any session.
from .. import VERSION


def version_info(card, params):
    w = card.wallet
    return {"version": VERSION, "board": card.board.NAME, "name": card.name,
            "card_id": card.pairing.identity.pub, "paired": card.pairing.record is not None,
            "pairing_open": card.pairing.pairing_open, "enrolled": w is not None,
            "wallet": bool(w and w.ready), "sensor": _sensor_link(card.board)}


def _sensor_link(board):
    # What the boot's link bring-up negotiated (drivers/zfm_link_setup), so a host can
    # tell a card stuck on a slow or dead sensor link from a slow finger.
    get = getattr(board, "sensor_link", None)
    link = get() if get else None
    if link is None:
        return None
    if isinstance(link, Exception):
        return {"error": str(link)}
    return {"baud": link.baud, "packet_size": link.packet_size}
