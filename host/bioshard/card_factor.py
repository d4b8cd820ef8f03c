"""The host's part in the card factor: relay one blinded point from the card to bioshard-backup
and the service's answer back (the card blinds, unblinds and keeps the factor; docs/threat-model.md).

A card asked for the factor (`enroll` or `recover` with factor=true) answers {"blinded": ...} and
waits; `finish` asks the service (signed in: its email check and rate limit apply) and hands the
evaluation to the card's `factor.finish`, which answers as the plain enroll/recover would.
"""
from .errors import CardRefusedError


def finish(card, svc, res):
    """The card's final answer after the service evaluated its blinded point."""
    blinded = res.get("blinded") if isinstance(res, dict) else None
    if not isinstance(blinded, (bytes, bytearray)) or len(blinded) != 33:
        raise CardRefusedError("the card did not ask for its card factor (firmware without it?)")
    from .facepass.client import ServiceError

    try:
        evaluated = svc.card_eval(blinded)
    except ServiceError as e:
        # the card drops its pending request with this session: nothing was written anywhere
        raise ServiceError(e.status, e.code, "%s; nothing was saved on the card or here, run the command again"
                           % e.message) from None
    return card.call("factor.finish", {"evaluated": evaluated})
