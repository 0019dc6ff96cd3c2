"""Echo the request back (port of plugins/rust/echo; plugins/EXAMPLES.md#echo).

Default: application/json with every field, bytes mapped one byte per character (latin-1).
`?format=text`: text/plain with the request line, each header line as received, a blank line, the body.
"""

from wpthost.utils import isomorphic_decode


def json_string(text):
    """JSON string with every character outside printable ASCII escaped (as plugins/rust does)."""
    escapes = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
    out = []
    for c in text:
        if c in escapes:
            out.append(escapes[c])
        elif ord(c) > 0xFFFF:
            # UTF-16 surrogate pair (computed: the component's stdlib has no utf-16 codec)
            code = ord(c) - 0x10000
            out.append("\\u%04x\\u%04x" % (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF)))
        elif ord(c) < 0x20 or ord(c) > 0x7E:
            out.append("\\u%04x" % ord(c))
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


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
