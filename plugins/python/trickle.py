"""A trickled response through the writer (port of plugins/rust/trickle; plugins/EXAMPLES.md#trickle).

The status line and headers, then `?chunks=` pieces (default 5) of `?chunk=` (default `chunk\\n`) with
`?delay=` ms (default 100) between them. No Content-Length unless `&length=1`; without it the
connection closes to end the body.
"""

import time


def number(request, name, default):
    value = request.GET.first(name, None)
    return default if value is None else int(value.strip())


def main(request, response):
    chunks = number(request, b"chunks", 5)
    delay = number(request, b"delay", 100)
    chunk = request.GET.first(b"chunk", b"chunk\n")
    writer = response.writer
    writer.write_status(200)
    writer.write_header(b"Content-Type", b"text/plain")
    writer.write_header(b"Cache-Control", b"no-cache")
    if request.GET.first(b"length", None) == b"1":
        writer.write_header(b"Content-Length", len(chunk) * chunks)
    else:
        writer.close_connection()
    writer.end_headers()
    for i in range(chunks):
        if i > 0:
            time.sleep(delay / 1000)
        writer.write_raw_content(chunk)
