"""The bridge between the WIT export `handle(request)` and a wptserve-style `main(request, response)`.

`plugin-sdk/python/build.py` generates the component's top module, which does
`WitWorld = make_world(main)`.
"""

import gc
import time
import traceback

import wit_world
from componentize_py_types import Err
from wit_world.imports import response as wit_response
from wit_world.imports import timing

from . import _snapshot
from .errors import HTTPException
from .request import Request
from .response import Response
from .utils import to_bytes


def _sleep(seconds):
    # The host's sleep holds no thread and counts against the wall-clock budget, not the CPU one.
    timing.sleep(max(0, int(round(seconds * 1000))))


# WPT handlers call time.sleep directly; route it to the host's delay instruction.
time.sleep = _sleep


def _apply_return(rv, response):
    """wptserve's return forms (F-PY-3): None, (status, headers, body), (headers, body), body."""
    if rv is None:
        return
    if isinstance(rv, tuple):
        if len(rv) == 3:
            status, headers, body = rv
            response.status = status
        elif len(rv) == 2:
            headers, body = rv
        else:
            raise HTTPException(500, "handler returned a tuple of length %d" % len(rv))
        if isinstance(headers, dict):
            raise HTTPException(500, "handler headers must be a list of pairs, not a dict")
        response.headers.update(headers)
        response.content = body
    else:
        response.content = rv


def _send(response, wit_response=wit_response):
    """Hand the response fields to the host (which adds required headers and applies pipes)."""
    code, reason = response.status
    wit_response.set_status(code, None if reason is None else to_bytes(reason))
    for name, values in response.headers.entries():
        wit_response.set_header(name, values[0])
        for value in values[1:]:
            wit_response.append_header(name, value)
    if not response.add_required_headers:
        wit_response.set_add_required_headers(False)
    if response.send_body_for_head_request:
        wit_response.set_send_body_for_head(True)
    if response.close_connection:
        wit_response.set_close_connection(True)
    content = response.content
    if isinstance(content, (str, bytes, bytearray)):
        wit_response.set_body(response.writer.encode(content))
    else:
        # Lists, generators and files go out unframed, as wptserve sends them (F-PY-4).
        sent = False
        for chunk in response.iter_content():
            wit_response.append_body_chunk(chunk)
            sent = True
        if not sent:
            wit_response.append_body_chunk(b"")


def make_world(main):
    class WitWorld(wit_world.WitWorld):
        def handle(self, wit_request):
            request = Request(wit_request)
            response = Response(request)
            try:
                try:
                    _apply_return(main(request, response), response)
                except HTTPException as exc:
                    if response.writer.used:
                        raise
                    response.set_error(exc.code, str(exc) if exc.code < 500 else exc.message or None)
                if not response.writer.used:
                    _send(response)
            except Exception:
                raise Err(traceback.format_exc()) from None

    return WitWorld


class _WarmUpHeader:
    def __init__(self, name, value):
        self.name = name
        self.value = value


class _WarmUpRequest:
    """Shaped like the WIT request record, for `warm_up`."""

    method = b"GET"
    target = b"/warm-up?a=1&b=%20"
    path = b"/warm-up"
    query = b"a=1&b=%20"
    version = b"HTTP/1.1"
    headers = [_WarmUpHeader(b"Host", b"localhost"), _WarmUpHeader(b"Accept", b"*/*")]
    body = b""
    client_address = "127.0.0.1:1"
    scheme = "http"
    url = "http://localhost/warm-up?a=1&b=%20"
    route_match = []
    url_base = "/"


class _NoHost:
    """Stands in for the host's `response` interface while the snapshot is taken (no host then)."""

    def __getattr__(self, name):
        return lambda *args: None


def _exercise(rounds):
    host = _NoHost()
    for _ in range(rounds):
        request = Request(_WarmUpRequest())
        response = Response(request)
        request.GET.first(b"a", None)
        request.GET.get_list(b"b")
        request.headers.get("host")
        request.raw_headers.get("accept")
        response.headers.set("Content-Type", "text/plain")
        response.headers.append("X-Warm-Up", b"1")
        _apply_return((200, [("X-Warm-Up", "2")], b"warm"), response)
        _send(response, host)
        response = Response(request)
        _apply_return("warm", response)
        _send(response, host)


def warm_up(rounds=8):
    """Run the SDK's own per-request path at build time, then prepare the heap for snapshotting.

    componentize-py snapshots the interpreter after this module's import, and every request starts
    from that snapshot. Running the path here first leaves CPython's per-code-object specialisation,
    type attribute caches and dict key versions filled in the snapshot instead of being redone (and
    their memory pages dirtied) on every request. Only the SDK runs: a handler's `main` may have side
    effects and calls host functions, which do not exist at build time. Then the live objects are
    recorded for the build script to make immortal (`_snapshot`), and `gc.freeze()` moves them out
    of the collector's generations, so a collection during a request scans only that request's
    objects.
    """
    _exercise(rounds)
    _snapshot.record()
    gc.freeze()
