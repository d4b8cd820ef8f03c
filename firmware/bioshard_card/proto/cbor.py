# Minimal, strict CBOR (RFC 8949) for the card's RPC messages.
#
# Supported: unsigned/negative integers (64-bit range), byte strings, text strings, arrays, maps,
# true, false, null. Definite lengths only. No tags, floats, undefined or other simple values.
#
# Encoding is the "core deterministic encoding" of RFC 8949 §4.2.1: shortest heads, definite
# lengths, map keys sorted by the bytewise order of their encodings. So the same value always
# gives the same bytes, on the card and on the host.
#
# Decoding is strict, because the input comes from whoever is on the other end of the radio:
# non-shortest heads, duplicate map keys, invalid UTF-8, trailing bytes, indefinite lengths and
# unsupported types are all rejected with CBORDecodeError. Every declared length is checked
# against the bytes actually left *before* anything is allocated, the number of items and the
# nesting depth are capped, and the decoder walks nested containers with an explicit stack, not
# recursion, so hostile input can cost at most O(len(input)) time and memory.
import sys


class CBORError(ValueError):
    pass


class CBORDecodeError(CBORError):
    pass


class CBOREncodeError(CBORError):
    pass


MAX_DEPTH = 16  # nesting of arrays/maps
MAX_ITEMS = 1024  # array elements + map pairs, in total over the whole message
MAX_LEN = 65536  # total input bytes

_UINT64_END = 1 << 64
_NOKEY = object()  # marks "the next item of this map is a key"
_KEY_TYPES = (int, str, bytes)  # hashable, comparable across both interpreters
# Smallest argument that needs a 1-, 2-, 4- or 8-byte head (additional info 24..27).
_MIN_ARG = (24, 0x100, 0x10000, 0x100000000)
# MicroPython's str(bytes, "utf-8") accepts overlong forms and surrogates; check by hand there.
_LAX_UTF8 = sys.implementation.name == "micropython"


# ---------------------------------------------------------------- encoder


def _head(out, major, n):
    mt = major << 5
    if n < 24:
        out.append(mt | n)
    elif n < 0x100:
        out.append(mt | 24)
        out.append(n)
    elif n < 0x10000:
        out.append(mt | 25)
        out.extend(n.to_bytes(2, "big"))
    elif n < 0x100000000:
        out.append(mt | 26)
        out.extend(n.to_bytes(4, "big"))
    elif n < _UINT64_END:
        out.append(mt | 27)
        out.extend(n.to_bytes(8, "big"))
    else:
        raise CBOREncodeError("integer outside the 64-bit CBOR range")


def _enc(out, obj, depth):
    t = type(obj)
    # bool first: under CPython bool is an int, under MicroPython it is not; test the type.
    if obj is None:
        out.append(0xF6)
    elif obj is True:
        out.append(0xF5)
    elif obj is False:
        out.append(0xF4)
    elif t is int:
        if obj >= 0:
            _head(out, 0, obj)
        else:
            _head(out, 1, -1 - obj)
    elif t is bytes or t is bytearray or t is memoryview:
        _head(out, 2, len(obj))
        out.extend(obj)
    elif t is str:
        b = obj.encode()
        _head(out, 3, len(b))
        out.extend(b)
    elif t is list or t is tuple:
        if depth >= MAX_DEPTH:
            raise CBOREncodeError("nesting deeper than %d" % MAX_DEPTH)
        _head(out, 4, len(obj))
        for x in obj:
            _enc(out, x, depth + 1)
    elif t is dict:
        if depth >= MAX_DEPTH:
            raise CBOREncodeError("nesting deeper than %d" % MAX_DEPTH)
        pairs = []
        for k, v in obj.items():
            if type(k) not in _KEY_TYPES:
                raise CBOREncodeError("map key must be int, str or bytes")
            kb = bytearray()
            _enc(kb, k, depth + 1)
            pairs.append((bytes(kb), v))
        pairs.sort(key=lambda p: p[0])
        _head(out, 5, len(pairs))
        for kb, v in pairs:
            out.extend(kb)
            _enc(out, v, depth + 1)
    else:
        raise CBOREncodeError("cannot encode type %s" % t.__name__)


def dump_into(out, obj):
    """Append the encoding of obj to the bytearray out and return out. Saves the final copy
    that dumps() makes, which matters for multi-kilobyte replies in a 100 KB heap."""
    _enc(out, obj, 0)
    return out


def dumps(obj):
    """Encode obj deterministically; raise CBOREncodeError for anything outside the subset."""
    return bytes(dump_into(bytearray(), obj))


# ---------------------------------------------------------------- decoder


def _err(msg, pos):
    return CBORDecodeError("%s at byte %d" % (msg, pos))


def _check_utf8(b, pos):
    # RFC 3629 well-formedness (table 3-7 of Unicode): no overlongs, no surrogates, <= U+10FFFF.
    i = 0
    n = len(b)
    while i < n:
        c = b[i]
        if c < 0x80:
            i += 1
            continue
        lo = 0x80
        hi = 0xBF
        if 0xC2 <= c <= 0xDF:
            k = 1
        elif c == 0xE0:
            k = 2
            lo = 0xA0
        elif 0xE1 <= c <= 0xEF:
            k = 2
            if c == 0xED:
                hi = 0x9F
        elif c == 0xF0:
            k = 3
            lo = 0x90
        elif 0xF1 <= c <= 0xF3:
            k = 3
        elif c == 0xF4:
            k = 3
            hi = 0x8F
        else:
            raise _err("invalid UTF-8 in text string", pos)
        if i + k >= n:
            raise _err("truncated UTF-8 in text string", pos)
        if not lo <= b[i + 1] <= hi:
            raise _err("invalid UTF-8 in text string", pos)
        for j in range(i + 2, i + k + 1):
            if not 0x80 <= b[j] <= 0xBF:
                raise _err("invalid UTF-8 in text string", pos)
        i += k + 1


def _text(b, pos):
    try:
        s = str(b, "utf-8")
    except Exception:  # UnicodeError on both interpreters
        raise _err("invalid UTF-8 in text string", pos)
    if _LAX_UTF8 and len(s) != len(b):  # non-ASCII: validate strictly
        _check_utf8(b, pos)
    return s


def loads(data, max_depth=MAX_DEPTH, max_items=MAX_ITEMS, max_len=MAX_LEN):
    """Decode exactly one CBOR item filling all of data, or raise CBORDecodeError."""
    n = len(data)
    if n > max_len:
        raise CBORDecodeError("input of %d bytes exceeds the %d-byte limit" % (n, max_len))
    mv = memoryview(data)
    pos = 0
    items = 0
    # One entry per open container: [container, items still expected, pending map key].
    stack = []
    while True:
        if pos >= n:
            raise _err("truncated input", pos)
        start = pos
        ib = mv[pos]
        pos += 1
        major = ib >> 5
        ai = ib & 31
        if major == 7:
            if ai == 20:
                val = False
            elif ai == 21:
                val = True
            elif ai == 22:
                val = None
            elif ai == 31:
                raise _err("unexpected break", start)
            else:
                raise _err("unsupported simple value or float", start)
        else:
            if ai < 24:
                arg = ai
            elif ai < 28:
                k = 1 << (ai - 24)
                if k > n - pos:
                    raise _err("truncated head", start)
                arg = int.from_bytes(mv[pos : pos + k], "big")
                pos += k
                if arg < _MIN_ARG[ai - 24]:
                    raise _err("non-shortest head", start)
            elif ai == 31:
                raise _err("indefinite length not allowed", start)
            else:
                raise _err("reserved additional info", start)
            if major == 0:
                val = arg
            elif major == 1:
                val = -1 - arg
            elif major == 2 or major == 3:
                if arg > n - pos:
                    raise _err("truncated string", start)
                val = bytes(mv[pos : pos + arg])
                pos += arg
                if major == 3:
                    val = _text(val, start)
            elif major == 6:
                raise _err("tags not supported", start)
            else:  # 4 array, 5 map
                if len(stack) >= max_depth:
                    raise _err("nesting deeper than %d" % max_depth, start)
                items += arg
                if items > max_items:
                    raise _err("more than %d items" % max_items, start)
                # Every element needs at least one byte: refuse counts the input cannot hold
                # before building anything.
                if (arg if major == 4 else 2 * arg) > n - pos:
                    raise _err("truncated container", start)
                val = [] if major == 4 else {}
                if arg:
                    stack.append([val, arg, _NOKEY])
                    continue
        # Attach the finished item to its parent; finished containers bubble up.
        while stack:
            top = stack[-1]
            cont = top[0]
            if type(cont) is list:
                cont.append(val)
            elif top[2] is _NOKEY:
                if type(val) not in _KEY_TYPES:
                    raise _err("map key must be int, bytes or text", start)
                if val in cont:
                    raise _err("duplicate map key", start)
                top[2] = val
                break  # the value comes next
            else:
                cont[top[2]] = val
                top[2] = _NOKEY
            top[1] -= 1
            if top[1]:
                break
            stack.pop()
            val = cont
        else:
            if pos != n:
                raise _err("trailing bytes after the item", pos)
            return val
