#!/usr/bin/env python3
"""Build a wpthost handler component from a wptserve-style Python file.

    python plugin-sdk/python/build.py path/to/handler.py -o path/to/handler.wasm

The file defines `main(request, response)` exactly as for wptserve (imports from `wpthost` instead
of `wptserve`). Needs `componentize-py` (PyPI, 0.25.1) on PATH or next to this Python;
scripts/build-guests.sh installs it under .cache/.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

import immortalize

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_WIT = os.path.normpath(os.path.join(HERE, "..", "..", "wit"))

APP = """\
from _wpthost_handler import main
from wpthost.entry import make_world, warm_up

WitWorld = make_world(main)
warm_up()
"""


def componentize_py():
    beside = os.path.join(os.path.dirname(sys.executable), "componentize-py")
    if os.path.exists(beside):
        return beside
    found = shutil.which("componentize-py")
    if found is None:
        sys.exit("componentize-py not found: pip install componentize-py==0.25.1")
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("handler", help="Python file defining main(request, response)")
    parser.add_argument("-o", "--output", required=True, help="component to write (.wasm)")
    parser.add_argument("--wit", default=DEFAULT_WIT, help="WIT directory (default: the repo's)")
    args = parser.parse_args()

    handler = os.path.abspath(args.handler)
    with tempfile.TemporaryDirectory(prefix="wpthost-py-") as tmp:
        # The handler is copied under a fixed module name so any file name works; its own
        # directory stays on the path for sibling imports.
        shutil.copyfile(handler, os.path.join(tmp, "_wpthost_handler.py"))
        with open(os.path.join(tmp, "_wpthost_app.py"), "w") as f:
            f.write(APP)
        cmd = [
            componentize_py(), "-d", args.wit, "-w", "handler", "componentize",
            "-p", tmp, "-p", HERE, "-p", os.path.dirname(handler),
            "_wpthost_app", "-o", os.path.abspath(args.output),
        ]
        result = subprocess.run(cmd, stdout=subprocess.DEVNULL)
        if result.returncode != 0:
            sys.exit("componentize-py failed for %s" % args.handler)
    # Reference counts of the snapshot's objects set to immortal: a request no longer writes (and
    # copies on write) the memory page of every object it touches.
    problem = immortalize.immortalize(os.path.abspath(args.output))
    if problem is not None:
        print("build.py: %s: %s (left unchanged)" % (args.output, problem), file=sys.stderr)


if __name__ == "__main__":
    main()
