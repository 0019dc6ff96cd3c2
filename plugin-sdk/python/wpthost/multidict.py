"""wptserve's MultiDict: a dict of key -> [values] whose item access returns the first value."""

from .utils import isomorphic_encode

_MISSING = object()


def _key(key):
    # WPT handlers use both b"name" and "name"; the stored keys are bytes.
    return isomorphic_encode(key) if isinstance(key, str) else key


class MultiDict(dict):
    def __init__(self, *args, **kwargs):
        dict.__init__(self, *args, **kwargs)
        self._pairs = [(k, v) for k, values in dict.items(self) for v in values]

    def __setitem__(self, key, value):
        key = _key(key)
        dict.__setitem__(self, key, [value])
        self._pairs = [(k, v) for k, v in self._pairs if k != key] + [(key, value)]

    def pairs(self):
        """Every (key, value) in the order they were added (the query's order)."""
        return list(self._pairs)

    def add(self, key, value):
        key = _key(key)
        self._pairs.append((key, value))
        if key in self:
            dict.__getitem__(self, key).append(value)
        else:
            dict.__setitem__(self, key, [value])

    def __getitem__(self, key):
        """The first value of `key`; KeyError if absent (a 500, as in wptserve)."""
        return dict.__getitem__(self, _key(key))[0]

    def __contains__(self, key):
        return dict.__contains__(self, _key(key))

    def first(self, key, default=_MISSING):
        key = _key(key)
        if key in self and dict.__getitem__(self, key):
            return dict.__getitem__(self, key)[0]
        if default is _MISSING:
            raise KeyError(key)
        return default

    def last(self, key, default=_MISSING):
        key = _key(key)
        if key in self and dict.__getitem__(self, key):
            return dict.__getitem__(self, key)[-1]
        if default is _MISSING:
            raise KeyError(key)
        return default

    def get(self, key, default=None):
        return self.first(key, default)

    def get_list(self, key):
        key = _key(key)
        if key in self:
            return list(dict.__getitem__(self, key))
        return []

    @classmethod
    def from_pairs(cls, pairs):
        out = cls()
        for key, value in pairs:
            out.add(key, value)
        return out
