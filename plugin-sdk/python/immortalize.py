"""Make the snapshot's heap objects immortal in a componentize-py component (see wpthost/_snapshot.py).

    python plugin-sdk/python/immortalize.py handler.wasm     (build.py runs it after componentize)

The component's largest core module holds CPython's memory image as active data segments with
constant offsets. The guest left a list of object addresses (and type addresses) in that image; for
each object whose reference count and type pointer look like a live object's, the count is set to
CPython's immortal value in place (same length, so the file keeps its layout). A build that does not
match these expectations is left unchanged, with a message.
"""

import bisect
import struct
import sys

MARKER = b"\x00wpthost-immortal-candidates\x00"
# CPython 3.14 on 32-bit targets (componentize-py 0.25): `_Py_IMMORTAL_INITIAL_REFCNT` is 5 << 28
# (what CPython's own immortal heap objects hold in the image) and counts from
# `_Py_IMMORTAL_MINIMUM_REFCNT` (1 << 30) up are never written. Other versions are left alone.
PYTHON_VERSION = (3, 14)
IMMORTAL = 5 << 28
IMMORTAL_MINIMUM = 1 << 30
# A live snapshot object's count is small; a freed block starts with a free-list pointer (a heap
# address, above 1 MiB here) or zero, so this also skips anything freed after the list was made.
MAX_PLAUSIBLE = 1 << 20


def _leb(data, at, signed):
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            if signed and byte & 0x40:
                value -= 1 << shift
            return value, at


def _uleb(data, at):
    return _leb(data, at, False)


def _sleb(data, at):
    return _leb(data, at, True)


def _sections(data, start, end):
    at = start + 8  # magic and version
    while at < end:
        section_id = data[at]
        size, body = _uleb(data, at + 1)
        yield section_id, body, body + size
        at = body + size


def _data_segments(data, start, end):
    """(memory offset, file offset, length) of the module's active segments for memory 0."""
    segments = []
    for section_id, at, _ in _sections(data, start, end):
        if section_id != 11:
            continue
        count, at = _uleb(data, at)
        for _ in range(count):
            flags, at = _uleb(data, at)
            memory = 0
            if flags == 1:  # passive
                length, at = _uleb(data, at)
                at += length
                continue
            if flags == 2:
                memory, at = _uleb(data, at)
            if data[at] != 0x41:  # i32.const
                raise ValueError("data segment without a constant offset")
            offset, at = _sleb(data, at + 1)
            if data[at] != 0x0B:
                raise ValueError("unexpected data segment offset expression")
            length, at = _uleb(data, at + 1)
            if memory == 0:
                segments.append((offset, at, length))
            at += length
    return segments


def _candidate_lists(image, at):
    """(Python version, id(None), object addresses, set of type addresses) that
    `_snapshot.record` wrote at `at`, or None if what is there does not hold together."""
    if at + 20 > len(image):
        return None
    count, type_count, major, minor, none = struct.unpack_from("<IIIII", image, at)
    start = at + 20
    if count == 0 or type_count == 0 or start + 4 * (count + type_count) > len(image):
        return None
    addresses = struct.unpack_from("<%dI" % count, image, start)
    types = struct.unpack_from("<%dI" % type_count, image, start + 4 * count)
    for values in (addresses, types):
        if any(a >= b for a, b in zip(values, values[1:])):
            return None
    return (major, minor), none, addresses, set(types)


def immortalize(path):
    with open(path, "rb") as f:
        data = bytearray(f.read())
    modules = [(start, end) for section_id, start, end in _sections(data, 0, len(data)) if section_id == 1]
    if not modules:
        return "no core modules"
    segments = max((_data_segments(data, *m) for m in modules), key=lambda s: sum(l for _, _, l in s))
    segments.sort()
    starts = [offset for offset, _, _ in segments]

    def locate(address, size):
        """File offset of memory[address:address + size] if one segment holds all of it."""
        i = bisect.bisect_right(starts, address) - 1
        if i < 0:
            return None
        offset, at, length = segments[i]
        if address + size > offset + length:
            return None
        return at + address - offset

    # The list may span segments (runs of zero bytes are left out of the image), so read it from
    # the image reassembled; the marker also occurs in the guest's own constants, so take the
    # occurrence whose header and sorted address lists hold together.
    image = bytearray(max(offset + length for offset, _, length in segments))
    for offset, at, length in segments:
        image[offset:offset + length] = data[at:at + length]
    lists = None
    at = image.find(MARKER)
    while at >= 0 and lists is None:
        lists = _candidate_lists(image, at + len(MARKER))
        at = image.find(MARKER, at + 1)
    if lists is None:
        return "no candidate list in the memory image"
    version, none, addresses, types = lists
    if version != PYTHON_VERSION:
        return "CPython %d.%d, not %d.%d" % (version + PYTHON_VERSION)
    none_at = locate(none, 4)
    if none_at is None or struct.unpack_from("<I", data, none_at)[0] < IMMORTAL_MINIMUM:
        return "None is not immortal in the image: unexpected reference count layout"
    patched = 0
    for address in addresses:
        refcount_at = locate(address, 8)
        if refcount_at is None:
            continue
        refcount, ob_type = struct.unpack_from("<II", data, refcount_at)
        if 1 <= refcount < MAX_PLAUSIBLE and ob_type in types:
            struct.pack_into("<I", data, refcount_at, IMMORTAL)
            patched += 1
    if patched == 0:
        return "no object to patch"
    with open(path, "wb") as f:
        f.write(data)
    return None


def main():
    for path in sys.argv[1:]:
        problem = immortalize(path)
        if problem is not None:
            print("immortalize: %s: %s (left unchanged)" % (path, problem), file=sys.stderr)


if __name__ == "__main__":
    main()
