# The Python original of plugins/rust/redirect (demo/handlers/README.md).
def main(request, response):
    q = request.GET
    location = q.first(b"location", None)
    if location is None:
        response.set_error(400, "missing location parameter")
        return
    response.status = int(q.first(b"status", b"302"))
    response.headers.set("Location", location)
    response.headers.set("Content-Type", "text/plain")
    return b"Redirecting to " + location + b"\n"
