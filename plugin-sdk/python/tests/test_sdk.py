"""Runs the Python SDK and the plugins/python examples under CPython against a recording fake host.

    .cache/py/bin/python -m unittest discover -s plugin-sdk/python/tests

The WIT bindings come from `componentize-py bindings`; their import functions are replaced by
recorders, so this checks the SDK's calls into the host without building a component.
"""

import importlib.util
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SDK = os.path.dirname(HERE)
ROOT = os.path.normpath(os.path.join(SDK, "..", ".."))
EXAMPLES = os.path.join(ROOT, "plugins", "python")

_bindings = tempfile.mkdtemp(prefix="wpthost-py-bindings-")
subprocess.run(
    [os.path.join(os.path.dirname(sys.executable), "componentize-py"), "-d",
     os.path.join(ROOT, "wit"), "-w", "handler", "bindings", _bindings],
    check=True, stdout=subprocess.DEVNULL,
)
sys.path[:0] = [_bindings, SDK]

from componentize_py_types import Err  # noqa: E402
from wit_world.imports import response as wit_response  # noqa: E402
from wit_world.imports import server_config, stash, timing, writer  # noqa: E402
from wit_world.imports import types  # noqa: E402


# The host functions each generated module declares (computed once: FakeHost replaces them).
HOST_FUNCTIONS = [
    (module, name)
    for module in (wit_response, writer, timing)
    for name in dir(module)
    if callable(getattr(module, name))
    and getattr(getattr(module, name), "__module__", "") == module.__name__
]


class FakeHost:
    def __init__(self):
        self.calls = []
        self.stash = {}
        for module, name in HOST_FUNCTIONS:
            setattr(module, name, self._recorder(module.__name__.rsplit(".", 1)[1], name))
        stash.put = self._put
        stash.take = self._take
        stash.lock = self._recorder("stash", "lock")
        stash.unlock = self._recorder("stash", "unlock")
        server_config.config_json = lambda: '{"browser_host": "web-platform.test", "ports": {"http": [8000]}}'

    def _recorder(self, iface, name):
        def record(*args):
            self.calls.append((iface + "." + name,) + args)
            return 0 if name == "elapsed_ms" else None
        return record

    def _put(self, key, value, path):
        if (path, key) in self.stash:
            raise Err("stash key %s already holds a value" % key)
        self.stash[(path, key)] = value

    def _take(self, key, path):
        return self.stash.pop((path, key), None)


def load(name):
    spec = importlib.util.spec_from_file_location("example_" + name, os.path.join(EXAMPLES, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def request(target=b"/echo", headers=(), method=b"GET", body=b""):
    path, _, query = target.partition(b"?")
    return types.Request(
        method=method, target=target, path=path, query=query, version=b"HTTP/1.1",
        headers=[types.Header(name=n, value=v) for n, v in headers], body=body,
        client_address="127.0.0.1:5000", scheme="http",
        url="http://localhost:8000" + target.decode("latin-1"), route_match=[], url_base="/",
    )


def run(main, req, stash_data=None):
    from wpthost.entry import make_world

    host = FakeHost()
    if stash_data is not None:
        host.stash = stash_data
    make_world(main)().handle(req)
    return host


class ExamplesTest(unittest.TestCase):
    """The plugins/python examples make the host calls plugins/EXAMPLES.md specifies."""

    def test_echo_text(self):
        host = run(load("echo"), request(
            b"/echo?format=text", [(b"Host", b"localhost:1"), (b"X-Test", b"a\xff")],
            method=b"POST", body=b"hi"))
        self.assertEqual(host.calls, [
            ("response.set_status", 200, None),
            ("response.set_header", b"Content-Type", b"text/plain"),
            ("response.set_body",
             b"POST /echo?format=text HTTP/1.1\nHost: localhost:1\nX-Test: a\xff\n\nhi"),
        ])

    def test_echo_json(self):
        host = run(load("echo"), request(b"/echo?a=1&b=%ff+x&a=2", [(b"X-T", b"\x7f\"")]))
        body = host.calls[-1][1].decode("ascii")
        self.assertIn('"headers": [["X-T", "\\u007f\\""]]', body)
        self.assertIn('"query_params": [["a", "1"], ["b", "\\u00ff x"], ["a", "2"]]', body)
        self.assertIn('"body_length": 0, "url": "http://localhost:8000/echo?a=1&b=%ff+x&a=2"', body)
        self.assertTrue(body.endswith('"route_match": {}, "url_base": "/"}'))

    def test_stash(self):
        main = load("stash")
        key = b"0b3e0d1c-7e5e-4d2b-9a57-5b1e0f0b8a11"
        shared = {}
        host = run(main, request(b"/stash?id=" + key), shared)
        self.assertEqual(host.calls[-1], ("response.set_body", b"NOT FOUND"))
        for expected in (b"1", b"2"):
            host = run(main, request(b"/stash?action=count&id=" + key), shared)
            self.assertEqual(host.calls[:2], [("stash.lock",), ("stash.unlock",)])
            self.assertEqual(host.calls[-1], ("response.set_body", expected))
        host = run(main, request(b"/stash?id=%s&value=v" % key, ), {})
        self.assertEqual(host.calls[-1], ("response.set_body", b"OK"))
        host = run(main, request(b"/stash"))
        self.assertEqual(host.calls[0], ("response.set_status", 400, None))
        self.assertEqual(host.calls[1:3], [
            ("response.set_header", b"Content-Type", b"application/json"),
            ("response.set_header", b"Content-Length", b"49"),
        ])
        self.assertEqual(host.calls[-1], ("response.set_body",
                                          b'{"error": {"code": 400, "message": "missing id"}}'))

    def test_trickle(self):
        host = run(load("trickle"), request(b"/trickle?chunks=2&delay=250&chunk=ab&length=1"))
        self.assertEqual(host.calls, [
            ("writer.write_status", 200, None),
            ("writer.write_header", b"Content-Type", b"text/plain"),
            ("writer.write_header", b"Cache-Control", b"no-cache"),
            ("writer.write_header", b"Content-Length", b"4"),
            ("writer.end_headers",),
            ("writer.write_raw", b"ab"),
            ("timing.sleep", 250),
            ("writer.write_raw", b"ab"),
        ])


class SnapshotTest(unittest.TestCase):
    """The build-time warm-up and the immortal snapshot (docs/PERFORMANCE.md, plugin_languages)."""

    def test_warm_up_never_calls_the_host(self):
        # The host does not exist while componentize-py takes the snapshot.
        from wpthost.entry import warm_up

        host = FakeHost()
        warm_up(rounds=2)
        self.assertEqual(host.calls, [])

    def test_built_components_are_immortalized(self):
        sys.path.insert(0, SDK)
        import immortalize

        built = os.path.join(ROOT, "plugins", "target", "guests", "python")
        components = [os.path.join(built, n + ".wasm") for n in ("echo", "stash", "trickle")]
        components = [c for c in components if os.path.exists(c)]
        if not components:
            self.skipTest("no Python component built (scripts/build-guests.sh python)")
        for component in components:
            with open(component, "rb") as f:
                before = f.read()
            # build.py patched every candidate already: a second pass finds the list, checks the
            # CPython version and None's count, and has nothing left to change.
            self.assertEqual(immortalize.immortalize(component), "no object to patch", component)
            with open(component, "rb") as f:
                self.assertEqual(f.read(), before)


class ApiTest(unittest.TestCase):
    """wptserve behaviours the SDK imitates (F-PY-3, F-RS-2, F-RQ-6, F-ER-2)."""

    def test_three_tuple_appends_after_set(self):
        def main(request, response):
            response.headers.set("Content-Type", "text/html")
            return (201, "Created"), [("Content-Type", "text/plain"), ("X-N", 5)], "héllo"
        host = run(main, request())
        self.assertEqual(host.calls, [
            ("response.set_status", 201, b"Created"),
            ("response.set_header", b"Content-Type", b"text/html"),
            ("response.append_header", b"Content-Type", b"text/plain"),
            ("response.set_header", b"X-N", b"5"),
            ("response.set_body", "héllo".encode()),
        ])

    def test_none_and_list_bodies_are_unframed(self):
        host = run(lambda req, resp: None, request())
        self.assertEqual(host.calls, [("response.set_status", 200, None),
                                      ("response.append_body_chunk", b"")])
        host = run(lambda req, resp: ["a", b"", lambda: b"b"], request())
        self.assertEqual(host.calls[1:], [("response.append_body_chunk", b"a"),
                                          ("response.append_body_chunk", b"b")])

    def test_get_parsing(self):
        seen = {}

        def main(request, response):
            seen["get"] = dict(request.GET)
            seen["first"] = request.GET.first("a")
            return ""
        run(main, request(b"/x?a=1&a=2&b=&c&d=%ff+x"))
        self.assertEqual(seen["get"], {b"a": [b"1", b"2"], b"b": [b""], b"c": [b""], b"d": [b"\xff x"]})
        self.assertEqual(seen["first"], b"1")

    def test_http_exception_and_header_case(self):
        from wpthost import HTTPException

        def main(request, response):
            response.headers.set("x-lower", "a")
            response.headers.set("X-LOWER", "b")
            raise HTTPException(418, "teapot msg")
        host = run(main, request())
        self.assertEqual(host.calls[0], ("response.set_status", 418, None))
        self.assertEqual(host.calls[-1],
                         ("response.set_body", b'{"error": {"code": 418, "message": "(418, \'teapot msg\')"}}'))

    def test_exception_is_an_error_result(self):
        def main(request, response):
            raise KeyError("boom")
        with self.assertRaises(Err) as ctx:
            run(main, request())
        self.assertIn("KeyError: 'boom'", ctx.exception.value)

    def test_stash_round_trips_python_values(self):
        out = {}

        def main(request, response):
            request.server.stash.put("k", {"n": [1, 2]})
            out["v"] = request.server.stash.take("k")
            out["port"] = request.server.config.ports["http"][0]
            return ""
        run(main, request())
        self.assertEqual(out, {"v": {"n": [1, 2]}, "port": 8000})


if __name__ == "__main__":
    unittest.main()
