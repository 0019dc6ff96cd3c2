"""Echo the request back (port of plugins/rust/echo; plugins/EXAMPLES.md#echo).

Default: application/json with every field, bytes mapped one byte per character (latin-1).
`?format=text`: text/plain with the request line, each header line as received, a blank line, the body.
"""

import re

from wpthost.utils import isomorphic_decode


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
# What json_string escapes: quote, backslash and everything outside printable ASCII. The regular
# expression runs in C; a loop over the characters would run in the interpreter.
_UNSAFE = re.compile(r'["\\\x00-\x1f\x7f-\U0010ffff]')


def _escape(match):
    c = match.group()
    if c in _ESCAPES:
        return _ESCAPES[c]
    if ord(c) > 0xFFFF:
        # UTF-16 surrogate pair (computed: the component's stdlib has no utf-16 codec)
        code = ord(c) - 0x10000
        return "\\u%04x\\u%04x" % (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF))
    return "\\u%04x" % ord(c)


def json_string(text):
    """JSON string with every character outside printable ASCII escaped (as plugins/rust does)."""
    return '"' + _UNSAFE.sub(_escape, text) + '"'


def js(data):
    return json_string(isomorphic_decode(data))


def pairs(items):
    return "[" + ", ".join("[%s, %s]" % (js(n), js(v)) for n, v in items) + "]"


def as_json(request):
    raw = request.raw
    route = ", ".join("%s: %s" % (json_string(k), json_string(v)) for k, v in request.route_match.items())
    fields = [
        ("method", js(raw.method)),
        ("target", js(raw.target)),
        ("path", js(raw.path)),
        ("query", js(raw.query)),
        ("version", js(raw.version)),
        ("headers", pairs((h.name, h.value) for h in raw.headers)),
        ("query_params", pairs(request.GET.pairs())),
        ("body", js(request.body)),
        ("body_length", str(len(request.body))),
        ("url", json_string(request.url)),
        ("scheme", json_string(raw.scheme)),
        ("client_address", json_string(raw.client_address)),
        ("route_match", "{" + route + "}"),
        ("url_base", json_string(raw.url_base)),
    ]
    return "{" + ", ".join("%s: %s" % (json_string(k), v) for k, v in fields) + "}"


def as_text(request):
    raw = request.raw
    out = raw.method + b" " + raw.target + b" " + raw.version + b"\n"
    for h in raw.headers:
        out += h.name + b": " + h.value + b"\n"
    return out + b"\n" + request.body


def main(request, response):
    if request.GET.first(b"format", None) == b"text":
        response.headers.set("Content-Type", "text/plain")
        return as_text(request)
    response.headers.set("Content-Type", "application/json")
    return as_json(request)
