# Refusals a flow can end with; the app turns each into its RPC error code and a screen.
from ..proto.rpc import BIOMETRIC_MISMATCH, INVALID_PARAMS, PROTOCOL_ERROR, USER_CANCELLED, USER_TIMEOUT, RpcError


def cancelled(what):
    return RpcError(USER_CANCELLED, what + " rejected on the card")


def timed_out(what):
    return RpcError(USER_TIMEOUT, "no answer on the card: " + what + " timed out")


def mismatch(msg):
    return RpcError(BIOMETRIC_MISMATCH, msg)


def bad_params(msg):
    return RpcError(INVALID_PARAMS, msg)


def not_ready(msg):
    return RpcError(PROTOCOL_ERROR, msg)
