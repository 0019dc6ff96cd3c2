"""wpthost guest SDK for Python: write `main(request, response)` as for wptserve.

    from wpthost import handlers            # was: from wptserve import handlers

    def main(request, response):
        name = request.GET.first(b"name", b"world")
        response.headers.set(b"Content-Type", b"text/plain")
        return b"hello " + name

Build with `python plugin-sdk/python/build.py handler.py -o handler.wasm` (docs/WRITING-HANDLERS.md).
"""

from .errors import HostError, HTTPException
from .multidict import MultiDict
from .utils import isomorphic_decode, isomorphic_encode

__all__ = ["HTTPException", "HostError", "MultiDict", "isomorphic_decode", "isomorphic_encode"]
