"""ASGI middleware refusing oversized request bodies (413) before anything parses them."""
from starlette.responses import JSONResponse


def _too_large():
    return JSONResponse({"error": {"code": "too_large", "message": "request body too large"}},
                        status_code=413)


class BodyLimit:
    """ASGI middleware: 413 for a request body over `limit` bytes, declared or streamed."""

    def __init__(self, app, limit):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            return await _too_large()(scope, receive, send)
        state = {"seen": 0, "over": False}

        async def limited():
            message = await receive()
            state["seen"] += len(message.get("body", b""))
            if state["seen"] > self.limit:
                # Stop reading: hand the app an ended, truncated body and drop its answer.
                state["over"] = True
                return {"type": "http.request", "body": b"", "more_body": False}
            return message

        async def guarded_send(message):
            if not state["over"]:
                await send(message)

        await self.app(scope, limited, guarded_send)
        if state["over"]:
            await _too_large()(scope, receive, send)
