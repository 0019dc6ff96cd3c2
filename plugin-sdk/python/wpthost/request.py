"""The request object a `main(request, response)` receives, shaped like wptserve's `Request`.

Everything is built from the WIT `request` record the host passed; nothing here talks to the host
except `request.server` (stash and configuration).
"""

import base64
import io
from http.cookies import BaseCookie
from urllib.parse import parse_qsl, urlsplit

from .multidict import MultiDict
from .server import Server
from .utils import isomorphic_decode, isomorphic_encode


class RequestHeaders(dict):
    """Lower-cased bytes name -> [bytes values], case-insensitive lookups with str or bytes.

    Unlike wptserve 4.0.3 every value of a repeated header is kept (README: deliberate differences);
    `headers[name]` and `get` join them with ", ".
    """

    def __init__(self, pairs):
        dict.__init__(self)
        for name, value in pairs:
            key = bytes(name).lower()
            if dict.__contains__(self, key):
                dict.__getitem__(self, key).append(bytes(value))
            else:
                dict.__setitem__(self, key, [bytes(value)])

    @staticmethod
    def _key(key):
        return isomorphic_encode(key).lower()

    def __getitem__(self, key):
        return b", ".join(dict.__getitem__(self, self._key(key)))

    def __contains__(self, key):
        return dict.__contains__(self, self._key(key))

    def __setitem__(self, key, value):
        raise Exception("Request headers are read-only")

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def get_list(self, key, default=None):
        try:
            return list(dict.__getitem__(self, self._key(key)))
        except KeyError:
            return [] if default is None else default

    def items(self):
        return [(key, self[key]) for key in self]

    def values(self):
        return [self[key] for key in self]


class RawHeaders:
    """`request.raw_headers`: every line in received order, original case, latin-1 str values."""

    def __init__(self, pairs):
        self._pairs = [(isomorphic_decode(n), isomorphic_decode(v)) for n, v in pairs]

    def get(self, name, default=None):
        name = name.lower()
        for n, v in self._pairs:
            if n.lower() == name:
                return v
        return default

    def get_all(self, name, default=None):
        name = name.lower()
        found = [v for n, v in self._pairs if n.lower() == name]
        return found if found else default

    def items(self):
        return list(self._pairs)

    def keys(self):
        return [n for n, _ in self._pairs]

    def __contains__(self, name):
        return self.get(name) is not None

    def __getitem__(self, name):
        return self.get(name)

    def __iter__(self):
        return iter(self.keys())


class CookieValue:
    def __init__(self, morsel):
        self.key = isomorphic_encode(morsel.key)
        self.value = isomorphic_encode(morsel.value)
        for attr in ["expires", "path", "comment", "domain", "max-age", "secure", "version", "httponly"]:
            setattr(self, attr.replace("-", "_"), morsel[attr])

    def __eq__(self, other):
        return self.value == (other.value if isinstance(other, CookieValue) else other)

    def __repr__(self):
        return "<CookieValue %s=%s>" % (self.key, self.value)


class Authentication:
    """`request.auth`: HTTP Basic credentials as bytes (None when there is no Authorization)."""

    def __init__(self, headers):
        self.username = None
        self.password = None
        if "authorization" in headers:
            header = headers.get("authorization")
            scheme, _, data = header.partition(b" ")
            if scheme.lower() != b"basic":
                from .errors import HTTPException

                raise HTTPException(400, "Unsupported authentication scheme %r" % scheme)
            decoded = base64.b64decode(data.strip())
            self.username, _, self.password = decoded.partition(b":")


class Request:
    """Built lazily: each instance serves one request and starts from the build-time snapshot, so
    every field a handler does not read is work (and dirtied memory pages) saved per request."""

    def __init__(self, wit_request):
        r = wit_request
        # The WIT record itself (raw bytes of everything the host passed), for handlers that need it.
        self.raw = r
        self._wit = r
        self.method = isomorphic_decode(r.method)
        self.request_path = isomorphic_decode(r.target)
        # Handlers answer as HTTP/1.1 whatever the client sent (F-RQ-1); the client's is kept too.
        self.protocol_version = "HTTP/1.1"
        self.url = r.url
        self.url_base = r.url_base
        self.body = bytes(r.body)
        self.scheme = r.scheme
        self._url_parts = None
        self._route_match = None
        self._client_address = None
        self._headers = None
        self._raw_headers = None
        self._server = None
        self._GET = None
        self._POST = None
        self._cookies = None
        self._auth = None

    @property
    def client_protocol_version(self):
        return isomorphic_decode(self._wit.version)

    @property
    def url_parts(self):
        if self._url_parts is None:
            self._url_parts = urlsplit(self.url)
        return self._url_parts

    @property
    def route_match(self):
        if self._route_match is None:
            self._route_match = {p.name: p.value for p in self._wit.route_match}
        return self._route_match

    @property
    def client_address(self):
        if self._client_address is None:
            host, _, port = self._wit.client_address.rpartition(":")
            self._client_address = (host.strip("[]"), int(port) if port.isdigit() else 0)
        return self._client_address

    @property
    def headers(self):
        if self._headers is None:
            self._headers = RequestHeaders((h.name, h.value) for h in self._wit.headers)
        return self._headers

    @property
    def raw_headers(self):
        if self._raw_headers is None:
            self._raw_headers = RawHeaders((h.name, h.value) for h in self._wit.headers)
        return self._raw_headers

    @property
    def server(self):
        if self._server is None:
            self._server = Server()
        return self._server

    @property
    def GET(self):
        if self._GET is None:
            query = isomorphic_decode(bytes(self._wit.query))
            pairs = parse_qsl(query, keep_blank_values=True, encoding="iso-8859-1")
            self._GET = MultiDict.from_pairs(
                (isomorphic_encode(k), isomorphic_encode(v)) for k, v in pairs
            )
        return self._GET

    @property
    def POST(self):
        """application/x-www-form-urlencoded bodies (also assumed when there is no Content-Type)."""
        if self._POST is None:
            ctype = self.headers.get("content-type", b"application/x-www-form-urlencoded")
            if not ctype.lower().startswith(b"application/x-www-form-urlencoded"):
                raise ValueError("POST parsing supports application/x-www-form-urlencoded only")
            pairs = parse_qsl(
                isomorphic_decode(self.body), keep_blank_values=True, encoding="iso-8859-1"
            )
            self._POST = MultiDict.from_pairs(
                (isomorphic_encode(k), isomorphic_encode(v)) for k, v in pairs
            )
        return self._POST

    @property
    def cookies(self):
        if self._cookies is None:
            parser = BaseCookie()
            header = self.headers.get_list("cookie")
            if header:
                parser.load(isomorphic_decode(header[0]))
            self._cookies = MultiDict()
            for morsel in parser.values():
                self._cookies.add(isomorphic_encode(morsel.key), CookieValue(morsel))
        return self._cookies

    @property
    def auth(self):
        if self._auth is None:
            self._auth = Authentication(self.headers)
        return self._auth

    @property
    def raw_input(self):
        return io.BytesIO(self.body)
