"""Service errors, each mapped to one HTTP status and the API's `{"error": {code, message}}`."""


class ApiError(Exception):
    status = 500
    code = "internal"

    def __init__(self, message, code=None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class BadInput(ApiError):
    status, code = 400, "bad_input"


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    status, code = 409, "conflict"


class RateLimited(ApiError):
    status, code = 429, "rate_limited"

    def __init__(self, message, retry_after, code=None):
        super().__init__(message, code)
        self.retry_after = max(1, int(retry_after))


class Unavailable(ApiError):
    status, code = 503, "unavailable"
