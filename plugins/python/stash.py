"""The stash from a handler's point of view (port of plugins/rust/stash; plugins/EXAMPLES.md#stash).

* POST with form fields `id` and `data`: put(id, data), answers `OK`.
* GET ?id=<uuid>&value=<v>: the same put from a query.
* GET ?id=<uuid>: take(id), answers the value or `NOT FOUND`.
* GET ?id=<uuid>&action=count: under the stash lock, take the counter, add one, put it back.
`&path=/shared` scopes the key to that path. A stash error is the handler's error: a JSON 500.
"""


def text(value):
    return None if value is None else value.decode("utf-8", "replace")


def main(request, response):
    path = text(request.GET.first(b"path", None))
    stash = request.server.stash
    response.headers.set(b"Content-Type", b"text/plain")

    if request.method == "POST":
        key = text(request.POST.first(b"id", None))
        if key is None:
            return response.set_error(400, "missing id")
        stash.put(key, request.POST.first(b"data", b""), path)
        return b"OK"

    key = text(request.GET.first(b"id", None))
    if key is None:
        return response.set_error(400, "missing id")
    if request.GET.first(b"action", None) == b"count":
        with stash.lock:
            old = stash.take(key, path)
            count = int(old) + 1 if old is not None and old.isdigit() else 1
            stash.put(key, str(count).encode(), path)
        return str(count)
    if b"value" in request.GET:
        stash.put(key, request.GET.first(b"value"), path)
        return b"OK"
    value = stash.take(key, path)
    return b"NOT FOUND" if value is None else value
