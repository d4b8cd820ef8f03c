"""The HTTP API of docs/backup-api.md (FastAPI). Handlers are thin: each opens one DB
transaction, authenticates, checks, writes the audit line, and answers."""
import re
import secrets
from contextlib import contextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import address, audit, auth, heirs, oprf, ratelimit
from .bodylimit import BodyLimit
from .clock import SystemClock
from .errors import ApiError, BadInput, Conflict, NotFound, RateLimited, Unavailable

BLOB_NAMES = ("fingerprint", "facepass")
MAX_BLOB = 64 * 1024
MAX_HEIRS = 10
# A 64 KiB blob is 128 KiB of hex plus JSON: anything much larger is refused before parsing.
MAX_BODY = 160 * 1024


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EmailBody(_Body):
    email: str


class VerifyBody(_Body):
    email: str
    code: str


class DataBody(_Body):
    data: str


class BlindedBody(_Body):
    blinded: str


class HeirBody(_Body):
    heir_email: str
    inactivity_days: int = 365


def _hex(s, what, max_bytes=None, exact=None):
    if not re.fullmatch(r"(?:[0-9a-f]{2})*", s):
        raise BadInput(f"{what} must be lowercase hex")
    n = len(s) // 2
    if (exact is not None and n != exact) or (max_bytes is not None and n > max_bytes):
        raise BadInput(f"{what} has the wrong length")
    return bytes.fromhex(s)


def _error(status, code, message, headers=None):
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status,
                        headers=headers)


def create_app(db, outbox, keyring, clock=None):
    clock = clock or SystemClock()
    app = FastAPI(title="bioshard-backup", version="1", docs_url=None, redoc_url=None,
                  openapi_url=None)

    app.add_middleware(BodyLimit, limit=MAX_BODY)

    @app.exception_handler(Exception)
    def _unexpected(request, exc):
        # Never echo the exception: it could hold request data.
        return _error(500, "internal", "internal error")

    @app.exception_handler(ApiError)
    def _api_error(request, exc):
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
        return _error(exc.status, exc.code, exc.message, headers)

    @app.exception_handler(RequestValidationError)
    def _validation(request, exc):
        return _error(400, "bad_input", "malformed request body")

    @app.exception_handler(StarletteHTTPException)
    def _http(request, exc):
        return _error(exc.status_code, "not_found" if exc.status_code == 404 else "http_error",
                      str(exc.detail))

    @contextmanager
    def tx():
        """One transaction per request. A refusal (ApiError) still commits what led to it —
        the audit line, a spent code try, a rate-limit event — then propagates; any other
        exception rolls back."""
        err = None
        with db.tx() as c:
            try:
                yield c
            except ApiError as e:
                err = e
        if err is not None:
            raise err

    def client(request):
        return request.client.host if request.client else ""

    def owner(c, request, now):
        """Authenticate an owner request; every one is a check-in (resets inactivity)."""
        email = auth.authenticate(c, request.headers.get("authorization"), now)
        c.execute("UPDATE accounts SET last_seen = ? WHERE email = ?", (now, email))
        return email

    def audited(c, request, now, email, action):
        """Context for the audit line: written on success and on refusal alike."""
        return _Audit(c, keyring, now, email, action, client(request))

    def heir(c, request, now):
        """Authenticate an heir's request (no check-in: heirs have no inactivity clock)."""
        return auth.authenticate(c, request.headers.get("authorization"), now)

    def claimed(email):
        """`who` for the sign-in routes: the address the request names, not yet proven."""
        return lambda c, request, now: email

    @contextmanager
    def handling(request, action, who):
        """One request: its transaction, the caller's email from `who` (owner, heir or
        claimed(email)), then `action`'s audit line around the body. Yields (c, email, now)."""
        now = clock.now()
        with tx() as c:
            email = who(c, request, now)
            with audited(c, request, now, email, action):
                yield c, email, now

    # --- accounts -------------------------------------------------------------------------
    @app.post("/v1/auth/start")
    def auth_start(body: EmailBody, request: Request):
        email = address.parse(body.email)
        with handling(request, "auth_start", claimed(email)) as (c, email, now):
            ratelimit.hit(c, "auth_start_client", client(request), now)
            auth.check_unlocked(c, email, now)
            ratelimit.hit(c, "auth_start_email", address.mailbox(email), now)
            code = auth.start(c, keyring, email, now)
        try:
            outbox.send(email, "bioshard backup: your sign-in code",
                        f"Your bioshard backup code is {code}. It is valid for 10 minutes.\n"
                        "If you did not ask for it, ignore this email.\n")
        except Exception:
            raise Unavailable("could not send the email, try again later") from None
        return {}

    @app.post("/v1/auth/verify")
    def auth_verify(body: VerifyBody, request: Request):
        email = address.parse(body.email)
        with handling(request, "auth_verify", claimed(email)) as (c, email, now):
            ratelimit.hit(c, "auth_verify_client", client(request), now)
            token = auth.verify(c, keyring, email, body.code, now)
        return {"token": token, "expires_in": auth.TOKEN_TTL}

    # --- owner ----------------------------------------------------------------------------
    @app.put("/v1/blobs/{name}")
    def put_blob(name: str, body: DataBody, request: Request):
        action = f"blob_put:{name}" if name in BLOB_NAMES else "blob_put"
        with handling(request, action, owner) as (c, email, now):
            if name not in BLOB_NAMES:
                raise BadInput("blob name must be one of: " + ", ".join(BLOB_NAMES))
            data = _hex(body.data, "data", max_bytes=MAX_BLOB)
            # One statement: concurrent uploads get distinct versions, none is lost.
            (version,) = c.one(
                "INSERT INTO blobs (email, name, data, version, updated_at) "
                "VALUES (?, ?, ?, 1, ?) ON CONFLICT (email, name) DO UPDATE SET "
                "data = excluded.data, version = blobs.version + 1, "
                "updated_at = excluded.updated_at RETURNING version", (email, name, data, now))
        return {"version": version}

    @app.get("/v1/blobs/{name}")
    def get_blob(name: str, request: Request):
        action = f"blob_get:{name}" if name in BLOB_NAMES else "blob_get"
        with handling(request, action, owner) as (c, email, now):
            if name not in BLOB_NAMES:
                raise BadInput("blob name must be one of: " + ", ".join(BLOB_NAMES))
            row = c.one("SELECT data, version FROM blobs WHERE email = ? AND name = ?",
                        (email, name))
            if row is None:
                raise NotFound("no such blob")
        return {"data": bytes(row[0]).hex(), "version": row[1]}

    def create_key(c, key_ref, now):
        k = oprf.generate_key()
        pub = oprf.public_key(k).hex()
        # The first key stays: a concurrent second creation inserts nothing and is refused.
        if c.one("INSERT INTO oprf_keys (key_ref, wrapped, public_key, created_at) "
                 "VALUES (?, ?, ?, ?) ON CONFLICT (key_ref) DO NOTHING RETURNING key_ref",
                 (key_ref, keyring.wrap(key_ref, k), pub, now)) is None:
            raise Conflict("this OPRF key already exists", "key_exists")
        return {"public_key": pub}

    def eval_key(c, key_ref, blinded_hex, now):
        blinded = _hex(blinded_hex, "blinded", exact=33)
        row = c.one("SELECT wrapped FROM oprf_keys WHERE key_ref = ?", (key_ref,))
        if row is None:
            raise NotFound("no OPRF key: create it first", "no_key")
        ratelimit.hit(c, "oprf_eval", key_ref, now)
        try:
            return {"evaluated": oprf.evaluate(keyring.unwrap(key_ref, row[0]), blinded).hex()}
        except oprf.OprfError:
            raise BadInput("blinded is not a valid compressed secp256k1 point") from None

    # Two owner keys: the face pass's ("owner") and the card factor's ("card", docs/threat-model.md)
    # — separate, so each has its own rate limit and audit trail and neither answers for the other.
    def owner_oprf_routes(kind, ref):
        @app.post("/v1/oprf/%s/key" % kind)
        def key(request: Request):
            with handling(request, "oprf_%s_key" % kind, owner) as (c, email, now):
                return create_key(c, ref + email, now)

        @app.post("/v1/oprf/%s/eval" % kind)
        def evaluate(body: BlindedBody, request: Request):
            with handling(request, "oprf_%s_eval" % kind, owner) as (c, email, now):
                return eval_key(c, ref + email, body.blinded, now)

    owner_oprf_routes("owner", "owner:")
    owner_oprf_routes("card", "card:")

    @app.post("/v1/checkin")
    def checkin(request: Request):
        now = clock.now()
        with tx() as c:
            email = owner(c, request, now)
            audit.record(c, keyring, now, email, "checkin", "ok", client(request))
        return {"last_seen": now}

    def own_heir(c, email, heir_id):
        if c.one("SELECT 1 FROM heirs WHERE heir_id = ? AND owner_email = ?",
                 (heir_id, email)) is None:
            raise NotFound("no such heir")

    @app.post("/v1/heirs")
    def add_heir(body: HeirBody, request: Request):
        with handling(request, "heir_add", owner) as (c, email, now):
            heir_email = address.parse(body.heir_email, "heir_email")
            if heir_email == email:
                raise BadInput("an heir must have another email than the owner")
            if not heirs.MIN_DAYS <= body.inactivity_days <= heirs.MAX_DAYS:
                raise BadInput(f"inactivity_days must be {heirs.MIN_DAYS}..{heirs.MAX_DAYS} "
                               "(the first notice goes out 30 days before release)")
            c.lock("heirs:" + email)  # count and insert as one decision
            (count,) = c.one("SELECT COUNT(*) FROM heirs WHERE owner_email = ?", (email,))
            if count >= MAX_HEIRS:
                raise Conflict(f"at most {MAX_HEIRS} heirs per owner", "too_many_heirs")
            heir_id = secrets.token_hex(16)
            c.execute("INSERT INTO heirs (heir_id, owner_email, heir_email, inactivity_days, "
                      "created_at, blob, blob_version) VALUES (?, ?, ?, ?, ?, NULL, 0)",
                      (heir_id, email, heir_email, body.inactivity_days, now))
        return {"heir_id": heir_id}

    @app.put("/v1/heirs/{heir_id}/blob")
    def put_heir_blob(heir_id: str, body: DataBody, request: Request):
        with handling(request, "heir_blob_put", owner) as (c, email, now):
            own_heir(c, email, heir_id)
            data = _hex(body.data, "data", max_bytes=MAX_BLOB)
            row = c.one("UPDATE heirs SET blob = ?, blob_version = blob_version + 1 "
                        "WHERE heir_id = ? AND owner_email = ? RETURNING blob_version",
                        (data, heir_id, email))
            if row is None:  # deleted by a concurrent request
                raise NotFound("no such heir")
            version = row[0]
        return {"version": version}

    @app.post("/v1/heirs/{heir_id}/oprf/key")
    def heir_key(heir_id: str, request: Request):
        with handling(request, "oprf_heir_key", owner) as (c, email, now):
            own_heir(c, email, heir_id)
            return create_key(c, "heir:" + heir_id, now)

    @app.delete("/v1/heirs/{heir_id}")
    def delete_heir(heir_id: str, request: Request):
        with handling(request, "heir_delete", owner) as (c, email, now):
            own_heir(c, email, heir_id)
            c.execute("DELETE FROM oprf_keys WHERE key_ref = ?", ("heir:" + heir_id,))
            c.execute("DELETE FROM notices WHERE heir_id = ?", (heir_id,))
            c.execute("DELETE FROM heirs WHERE heir_id = ?", (heir_id,))
        return {}

    # --- heir -----------------------------------------------------------------------------
    @app.get("/v1/inheritance")
    def inheritance(request: Request):
        with handling(request, "inheritance_list", heir) as (c, email, now):
            return heirs.list_for_heir(c, email, now)

    @app.get("/v1/inheritance/{heir_id}/blob")
    def inheritance_blob(heir_id: str, request: Request):
        with handling(request, "inheritance_blob", heir) as (c, email, now):
            row = heirs.require_released(c, heir_id, email, now)
            if row[2] is None:
                raise NotFound("the owner stored no blob for this heir", "no_blob")
        return {"data": bytes(row[2]).hex()}

    @app.post("/v1/inheritance/{heir_id}/oprf/eval")
    def inheritance_eval(heir_id: str, body: BlindedBody, request: Request):
        with handling(request, "oprf_heir_eval", heir) as (c, email, now):
            heirs.require_released(c, heir_id, email, now)
            return eval_key(c, "heir:" + heir_id, body.blinded, now)

    return app


class _Audit:
    """Writes one audit line with outcome `ok` or the error code (never its message/input).
    A refused request still commits its audit line (and, e.g., the code's try counter)."""

    def __init__(self, c, keyring, now, email, action, client):
        self.args = (c, keyring, now, email, action)
        self.client = client

    def __enter__(self):
        return self

    def __exit__(self, et, exc, tb):
        c, keyring, now, email, action = self.args
        outcome = "ok" if exc is None else (exc.code if isinstance(exc, ApiError) else "error")
        audit.record(c, keyring, now, email, action, outcome, self.client)
        return False
