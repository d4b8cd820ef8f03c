"""HTTP client of the bioshard-backup service (docs/backup-api.md), and the client side of
its OPRF (the math is bioshard_backup.oprf, the one implementation shared with the service).

The transport is pluggable so tests drive the real FastAPI app in-process; the default uses
urllib (no extra dependency). Error bodies become ServiceError with the service's code; a 429
becomes RateLimitedError carrying Retry-After. The token is kept in memory only.
"""
import json
import urllib.error
import urllib.parse
import urllib.request

from bioshard_backup import oprf

from ..errors import BioshardError


class ServiceError(BioshardError):
    exit_code = 10

    def __init__(self, status, code, message):
        super().__init__("backup service: %s (%s, HTTP %d)" % (message, code, status))
        self.status, self.code, self.message = status, code, message


class RateLimitedError(ServiceError):
    def __init__(self, status, code, message, retry_after):
        super().__init__(status, code, message)
        self.retry_after = retry_after


_LOCAL = ("127.0.0.1", "localhost", "::1")


class UrllibTransport:
    def __init__(self, base_url, timeout=30):
        u = urllib.parse.urlsplit(base_url)
        if not u.hostname or not (u.scheme == "https" or (u.scheme == "http" and u.hostname in _LOCAL)):
            # codes and bearer tokens must not cross a network in clear
            raise BioshardError("the backup service URL must be https:// (or http on localhost)")
        self.base, self.timeout = base_url.rstrip("/"), timeout

    def request(self, method, path, body=None, headers=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=dict(headers or {}))
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return r.status, json.loads(r.read() or b"null"), dict(r.headers)
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                doc = json.loads(raw)
            except ValueError:
                doc = None
            return e.code, doc, dict(e.headers)
        except (urllib.error.URLError, OSError) as e:
            raise ServiceError(0, "unreachable", "cannot reach %s: %s" % (self.base, e)) from None


class HttpxTransport:
    """Wraps an httpx-style client (e.g. fastapi.testclient.TestClient)."""

    def __init__(self, client):
        self.client = client

    def request(self, method, path, body=None, headers=None):
        r = self.client.request(method, path, json=body, headers=headers or {})
        try:
            doc = r.json()
        except ValueError:
            doc = None
        return r.status_code, doc, dict(r.headers)


class BackupClient:
    def __init__(self, transport, token=None):
        if isinstance(transport, str):
            transport = UrllibTransport(transport)
        self.t, self.token = transport, token

    def _call(self, method, path, body=None, auth=True):
        headers = {}
        if auth:
            if not self.token:
                raise BioshardError("not signed in to the backup service")
            headers["Authorization"] = "Bearer " + self.token
        status, doc, rh = self.t.request(method, path, body, headers)
        if 200 <= status < 300:
            return doc
        err = (doc or {}).get("error") if isinstance(doc, dict) else None
        code = (err or {}).get("code", "http_%d" % status)
        msg = (err or {}).get("message", "HTTP %d" % status)
        if status == 429:
            ra = {k.lower(): v for k, v in rh.items()}.get("retry-after")
            raise RateLimitedError(status, code, msg + " (retry after %s s)" % ra, int(ra) if ra else None)
        raise ServiceError(status, code, msg)

    # accounts
    def start(self, email):
        self._call("POST", "/v1/auth/start", {"email": email}, auth=False)

    def verify(self, email, code):
        self.token = self._call("POST", "/v1/auth/verify", {"email": email, "code": code}, auth=False)["token"]
        return self.token

    # owner
    def put_blob(self, name, data):
        return self._call("PUT", "/v1/blobs/" + name, {"data": data.hex()})["version"]

    def get_blob(self, name):
        return bytes.fromhex(self._call("GET", "/v1/blobs/" + name)["data"])

    def owner_key(self):
        return bytes.fromhex(self._call("POST", "/v1/oprf/owner/key")["public_key"])

    def card_key(self):
        """Create the card-factor OPRF key if it does not exist yet (a 409 means it does)."""
        try:
            self._call("POST", "/v1/oprf/card/key")
        except ServiceError as e:
            if e.code != "key_exists":
                raise

    def card_eval(self, blinded):
        """Raw k·blinded under the card-factor key: the card blinds and unblinds itself."""
        doc = self._call("POST", "/v1/oprf/card/eval", {"blinded": bytes(blinded).hex()})
        return bytes.fromhex(doc["evaluated"])

    def checkin(self):
        return self._call("POST", "/v1/checkin")["last_seen"]

    def add_heir(self, heir_email, inactivity_days=365):
        return self._call("POST", "/v1/heirs", {"heir_email": heir_email, "inactivity_days": inactivity_days})["heir_id"]

    def put_heir_blob(self, heir_id, data):
        return self._call("PUT", "/v1/heirs/%s/blob" % heir_id, {"data": data.hex()})["version"]

    def heir_key(self, heir_id):
        return bytes.fromhex(self._call("POST", "/v1/heirs/%s/oprf/key" % heir_id)["public_key"])

    def delete_heir(self, heir_id):
        self._call("DELETE", "/v1/heirs/%s" % heir_id)

    # heir
    def inheritance(self):
        return self._call("GET", "/v1/inheritance")

    def inheritance_eval(self, heir_id, blinded):
        """Raw k·blinded under the heir key (heir blobs use a DH point, see wrap.py)."""
        doc = self._call("POST", "/v1/inheritance/%s/oprf/eval" % heir_id, {"blinded": blinded.hex()})
        return bytes.fromhex(doc["evaluated"])

    def inheritance_blob(self, heir_id):
        return bytes.fromhex(self._call("GET", "/v1/inheritance/%s/blob" % heir_id)["data"])

    # OPRF: the service sees only r·P, never the input or the output
    def _oprf(self, path, data):
        r, blinded = oprf.blind(data)
        evaluated = bytes.fromhex(self._call("POST", path, {"blinded": blinded.hex()})["evaluated"])
        try:
            return oprf.finalize(data, r, evaluated)
        except oprf.OprfError as e:
            raise ServiceError(200, "bad_point", "the service answered an invalid point: %s" % e) from None

    def owner_oprf(self, data):
        return self._oprf("/v1/oprf/owner/eval", data)

