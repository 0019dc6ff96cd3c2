"""The response object a `main(request, response)` receives, shaped like wptserve's `Response`.

Fields are kept here and handed to the host's high-level `response` interface when `main` returns;
`response.writer` writes straight to the connection instead (then the fields are ignored, F-PY-7).
"""

import datetime
import json

from wit_world.imports import writer as wit_writer

from ._host import call
from .utils import to_bytes


class ResponseHeaders:
    """Ordered map: lower-cased name -> (display name, [values]) with wptserve's set/append rules."""

    def __init__(self):
        self._data = {}

    def set(self, key, value):
        name = to_bytes(key)
        lower = name.lower()
        self._data[lower] = (name, [to_bytes(value)])

    def append(self, key, value):
        name = to_bytes(key)
        lower = name.lower()
        if lower in self._data:
            self._data[lower][1].append(to_bytes(value))
        else:
            self._data[lower] = (name, [to_bytes(value)])

    def update(self, items):
        for item in items:
            if not isinstance(item, (tuple, list)) or len(item) != 2:
                raise ValueError("headers must be (name, value) pairs, got %r" % (item,))
            self.append(item[0], item[1])

    def get(self, key, default=None):
        entry = self._data.get(to_bytes(key).lower())
        if entry is None:
            return [] if default is None else default
        return list(entry[1])

    def first(self, key, default=None):
        values = self.get(key)
        return values[0] if values else default

    def delete(self, key):
        self._data.pop(to_bytes(key).lower(), None)

    def __contains__(self, key):
        return to_bytes(key).lower() in self._data

    def __getitem__(self, key):
        return self.get(key)

    def __setitem__(self, key, value):
        self.set(key, value)

    def __delitem__(self, key):
        self.delete(key)

    def __iter__(self):
        for name, values in self._data.values():
            for value in values:
                yield name, value

    def __len__(self):
        return sum(len(v) for _, v in self._data.values())

    def entries(self):
        """(display name, [values]) in map order."""
        return list(self._data.values())


class ResponseWriter:
    """`response.writer`: wptserve's ResponseWriter over the host's `writer` interface."""

    def __init__(self, response):
        self._response = response
        self.content_written = False
        self.used = False

    def _use(self):
        self.used = True

    def write_status(self, code, message=None):
        self._use()
        call(wit_writer.write_status, int(code), None if message is None else to_bytes(message))

    def write_header(self, name, value):
        self._use()
        call(wit_writer.write_header, to_bytes(name), to_bytes(value))

    def end_headers(self):
        self._use()
        call(wit_writer.end_headers)

    def write_content(self, data):
        self._use()
        call(wit_writer.write_content, self.encode(data))
        self.content_written = True

    def write_raw_content(self, data):
        if data is None:
            raise ValueError("data cannot be None")
        self._use()
        if hasattr(data, "read"):
            data = data.read()
        call(wit_writer.write_raw, self.encode(data))

    def write(self, data):
        """Raw bytes; False if the connection is gone (wptserve's contract)."""
        self._use()
        try:
            call(wit_writer.write_raw, self.encode(data))
            return True
        except OSError:
            return False

    def flush(self):
        self._use()
        call(wit_writer.flush)

    def close_connection(self):
        wit_writer.close_connection()

    def encode(self, data):
        if isinstance(data, (bytes, bytearray)):
            return bytes(data)
        if isinstance(data, str):
            return data.encode(self._response.encoding)
        raise ValueError("data %r should be text or binary, but is %s" % (data, type(data)))


_COOKIE_ATTRS = [
    ("comment", "Comment"),
    ("domain", "Domain"),
    ("expires", "expires"),
    ("httponly", "HttpOnly"),
    ("max_age", "Max-Age"),
    ("path", "Path"),
    ("samesite", "SameSite"),
    ("secure", "Secure"),
]


class Response:
    def __init__(self, request=None):
        self.request = request
        self._status = (200, None)
        self.headers = ResponseHeaders()
        self.content = []
        self.encoding = "utf8"
        self.add_required_headers = True
        self.send_body_for_head_request = False
        self.close_connection = False
        self.writer = ResponseWriter(self)

    @property
    def status(self):
        return self._status

    @status.setter
    def status(self, value):
        if isinstance(value, tuple):
            if len(value) != 2:
                raise ValueError("Expected a (code, message) tuple, got %r" % (value,))
            code, message = value
            if not isinstance(message, (str, bytes)):
                message = str(message)
            self._status = (int(code), message)
        else:
            self._status = (int(value), None)

    def set_error(self, code, err=None):
        """Replace status, headers and content with wptserve's JSON error (F-RS-8, F-ER-1..3)."""
        if code >= 500:
            url = self.request.url if self.request is not None else ""
            suffix = "<no traceback>" if err is None else str(err)
            message = "Internal server error loading %s:\n  %s" % (url, suffix)
        else:
            message = str(err) if err is not None else ""
        data = json.dumps({"error": {"code": code, "message": message}})
        self.status = code
        self.headers = ResponseHeaders()
        self.headers.set("Content-Type", "application/json")
        self.headers.set("Content-Length", len(data))
        self.content = data

    def set_cookie(self, name, value, path="/", domain=None, max_age=None, expires=None,
                   samesite=None, secure=False, httponly=False, comment=None):
        """Appends a Set-Cookie line: `name=value` then attributes in stdlib Morsel order."""
        attrs = {"comment": comment, "domain": domain, "expires": expires, "httponly": httponly,
                 "max_age": max_age, "path": path, "samesite": samesite, "secure": secure}
        parts = [to_bytes(name) + b"=" + to_bytes(value)]
        for key, label in _COOKIE_ATTRS:
            val = attrs[key]
            if val is None or val is False:
                continue
            if val is True:
                parts.append(label.encode("ascii"))
            else:
                if key == "max_age" and hasattr(val, "total_seconds"):
                    val = int(val.total_seconds())
                parts.append(label.encode("ascii") + b"=" + to_bytes(val))
        self.headers.append("Set-Cookie", b"; ".join(parts))

    def delete_cookie(self, name, path="/", domain=None):
        expires = datetime.datetime.utcnow() - datetime.timedelta(days=1)
        self.set_cookie(name, "", path=path, domain=domain, max_age=0,
                        expires=expires.strftime("%d %b %Y %H:%M:%S GMT").lower()[:-3] + "GMT")

    def iter_content(self):
        """The body as byte strings (str items encoded, callables called, falsy items skipped)."""
        content = self.content
        if content is None:
            return
        if isinstance(content, (str, bytes, bytearray)):
            yield self.writer.encode(content)
            return
        if hasattr(content, "read"):
            yield self.writer.encode(content.read())
            return
        for item in content:
            if callable(item):
                item = item()
            if item:
                yield self.writer.encode(item)
