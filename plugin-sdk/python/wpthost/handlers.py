"""Decorators with the names WPT handlers import from ``wptserve.handlers``."""

import functools
import json

from .errors import HTTPException  # noqa: F401  (re-exported: `handlers.HTTPException`)


def handler(func):
    """`@handlers.handler`: plain `main` already behaves this way; kept so ports stay unchanged."""
    return func


def json_handler(func):
    """`@handlers.json_handler`: the return value (or a tuple's last item) is sent as JSON."""

    @functools.wraps(func)
    def wrapper(request, response):
        rv = func(request, response)
        response.headers.set("Content-Type", "application/json")
        if isinstance(rv, tuple):
            body = json.dumps(rv[-1])
            response.headers.set("Content-Length", len(body))
            return rv[:-1] + (body,)
        body = json.dumps(rv)
        response.headers.set("Content-Length", len(body))
        return body

    return wrapper
