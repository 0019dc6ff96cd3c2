"""Build time only: list the heap objects that `plugin-sdk/python/immortalize.py` may make immortal.

Every request starts from the snapshot componentize-py takes after the handler module is imported.
CPython writes the reference count of every object it touches, so a request dirties (and the host
copies on write) the memory page of every snapshot object it uses: functions, code, types, module
dicts, constants. Objects whose count is at least 2**30 (on 32-bit builds) are immortal: CPython
skips those writes. The snapshot cannot be written from Python, so this module records the address
(`id`) of every live object, and of every type, in a bytes object that stays in the snapshot; the
build script finds it in the component's memory image and rewrites those counts there.
"""

import gc
import struct
import sys

MARKER = b"\x00wpthost-immortal-candidates\x00"

# Kept alive in the snapshot (the build script reads it from the memory image).
_candidates = None


def record():
    """Record every object alive now. Call last, after a collection, with no temporaries around."""
    global _candidates
    gc.collect()
    if sys.maxsize > 2**32:
        # Not the 32-bit WebAssembly build (the SDK's tests run under the host's CPython).
        return
    seen = set()
    types = set()
    for obj in gc.get_objects():
        seen.add(id(obj))
        if isinstance(obj, type):
            types.add(id(obj))
        for ref in gc.get_referents(obj):
            seen.add(id(ref))
            if isinstance(ref, type):
                types.add(id(ref))
    # The two sets and the ints in them are this function's temporaries: they die on return.
    for temporary in (seen, types):
        for number in gc.get_referents(temporary):
            seen.discard(id(number))
        seen.discard(id(temporary))
    addresses = sorted(seen)
    type_addresses = sorted(types)
    _candidates = b"".join(
        [
            MARKER,
            struct.pack("<II", len(addresses), len(type_addresses)),
            # What the build script checks before it writes anything (see immortalize.py).
            struct.pack("<III", sys.version_info[0], sys.version_info[1], id(None)),
            struct.pack("<%dI" % len(addresses), *addresses),
            struct.pack("<%dI" % len(type_addresses), *type_addresses),
        ]
    )
