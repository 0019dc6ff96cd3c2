"""Helpers with the names WPT handlers import from ``wptserve.utils``."""


def isomorphic_decode(s):
    """bytes -> str byte-for-byte (latin-1); str passes through."""
    if isinstance(s, str):
        return s
    if isinstance(s, (bytes, bytearray)):
        return bytes(s).decode("iso-8859-1")
    raise TypeError("Unexpected value (expecting string-like): %r" % s)


def isomorphic_encode(s):
    """str -> bytes byte-for-byte (latin-1); bytes pass through."""
    if isinstance(s, (bytes, bytearray)):
        return bytes(s)
    if isinstance(s, str):
        return s.encode("iso-8859-1")
    raise TypeError("Unexpected value (expecting string-like): %r" % s)


def to_bytes(value, encoding="iso-8859-1"):
    """Header names/values and keys: bytes as-is, ints as decimal, str in `encoding`."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, bool):
        return str(value).encode("ascii")
    if isinstance(value, int):
        return str(value).encode("ascii")
    if isinstance(value, str):
        return value.encode(encoding)
    return str(value).encode(encoding)
