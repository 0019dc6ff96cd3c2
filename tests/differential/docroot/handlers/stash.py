# The Python original of plugins/rust/stash (plugins/EXAMPLES.md "stash").
def main(request, response):
    q = request.GET
    path = q.first(b"path", None)
    path = path.decode("utf-8", "replace") if path is not None else None
    stash = request.server.stash
    response.headers.set("Content-Type", "text/plain")
    if request.method == "POST":
        form = request.POST
        if b"id" not in form:
            response.set_error(400, "missing id")
            return
        stash.put(form.first(b"id").decode("utf-8", "replace"), form.first(b"data", b""), path)
        return "OK"
    if b"id" not in q:
        response.set_error(400, "missing id")
        return
    key = q.first(b"id").decode("utf-8", "replace")
    if q.first(b"action", None) == b"count":
        with stash.lock:
            old = stash.take(key, path)
            try:
                old = int(old) if old is not None else 0
            except ValueError:
                old = 0
            new = str(old + 1).encode()
            stash.put(key, new, path)
        return new
    if b"value" in q:
        stash.put(key, q.first(b"value"), path)
        return "OK"
    value = stash.take(key, path)
    return value if value is not None else "NOT FOUND"
