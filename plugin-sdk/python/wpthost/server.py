"""`request.server`: the stash and the server configuration, both provided by the host."""

import json

from wit_world.imports import server_config
from wit_world.imports import stash as wit_stash

from ._host import call

# Values other than bytes are stored as this marker + JSON so that Python gets back the type it
# put (wptserve's stash pickles). Other languages see the raw bytes: share bytes across languages.
_JSON_MARKER = b"\x00wpthost-json\x00"


def _key(key):
    if isinstance(key, (bytes, bytearray)):
        return bytes(key).decode("ascii")
    return str(key)


def _path(path):
    if path is None:
        return None
    if isinstance(path, (bytes, bytearray)):
        return bytes(path).decode("iso-8859-1")
    return str(path)


class _Lock:
    """`with request.server.stash.lock:` holds the global stash lock."""

    def acquire(self, blocking=True):
        call(wit_stash.lock)
        return True

    def release(self):
        wit_stash.unlock()

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()
        return False


class Stash:
    """wptserve's stash: UUID keys, scoped to the request path unless `path` is given, write-once,
    read-once."""

    lock = _Lock()

    def put(self, key, value, path=None):
        if value is None:
            raise ValueError("SharedStash value may not be set to None")
        if isinstance(value, (bytes, bytearray)):
            data = bytes(value)
        else:
            data = _JSON_MARKER + json.dumps(value).encode("utf-8")
        call(wit_stash.put, _key(key), data, _path(path))

    def take(self, key, path=None):
        data = call(wit_stash.take, _key(key), _path(path))
        if data is None:
            return None
        data = bytes(data)
        if data.startswith(_JSON_MARKER):
            return json.loads(data[len(_JSON_MARKER):].decode("utf-8"))
        return data


class Config(dict):
    """The server configuration: `config["ports"]` and `config.ports` both work."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _wrap(value):
    if isinstance(value, dict):
        return Config({k: _wrap(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


class Server:
    def __init__(self):
        self._stash = None
        self._config = None

    @property
    def stash(self):
        if self._stash is None:
            self._stash = Stash()
        return self._stash

    @property
    def config(self):
        if self._config is None:
            self._config = _wrap(json.loads(server_config.config_json()))
        return self._config

    def browser_host(self):
        return server_config.browser_host()

    def ports(self, scheme):
        return list(server_config.ports(scheme))
