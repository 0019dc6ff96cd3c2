# The Python original of plugins/rust/cookies (demo/handlers/README.md): Set-Cookie from the query with
# wptserve's set_cookie, and the request's cookies as a JSON object.
import json


def main(request, response):
    q = request.GET
    name = q.first(b"set", None)
    if name is not None:
        kwargs = {}
        if b"path" in q:
            kwargs["path"] = q.first(b"path").decode("latin-1")
        if q.first(b"nopath", None) == b"1":
            kwargs["path"] = None
        if b"domain" in q:
            kwargs["domain"] = q.first(b"domain").decode("latin-1")
        if b"max_age" in q:
            kwargs["max_age"] = int(q.first(b"max_age"))
        if b"samesite" in q:
            kwargs["samesite"] = q.first(b"samesite").decode("latin-1")
        if b"comment" in q:
            kwargs["comment"] = q.first(b"comment").decode("latin-1")
        kwargs["secure"] = q.first(b"secure", None) == b"1"
        kwargs["httponly"] = q.first(b"httponly", None) == b"1"
        response.set_cookie(name, q.first(b"value", b""), **kwargs)
    cookies = request.cookies
    body = {k.decode("latin-1"): cookies[k].value.decode("latin-1") for k in cookies}
    response.headers.set("Content-Type", "application/json")
    return json.dumps(body)
