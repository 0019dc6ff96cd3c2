# The Python original of plugins/rust/respond (demo/handlers/README.md): status, reason, headers and
# body from the query.
def main(request, response):
    q = request.GET
    status = int(q.first(b"status", b"200"))
    reason = q.first(b"reason", None)
    response.status = (status, reason) if reason is not None else status
    response.headers.set("Content-Type", q.first(b"content_type", b"text/plain"))
    headers = q.first(b"headers", None)
    if headers is not None:
        for item in headers.split(b"|"):
            if not item:
                continue
            if b":" not in item:
                response.set_error(400, "headers items are name:value")
                return
            name, value = item.split(b":", 1)
            response.headers.append(name, value)
    return q.first(b"body", b"")
