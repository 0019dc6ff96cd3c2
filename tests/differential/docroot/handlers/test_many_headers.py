# test_server.py TestRequestHandler::test_many_headers, as a script: every X-ValN must equal N.
def main(request, response):
    seen = 0
    for name, value in request.raw_headers.items():
        if name.startswith("X-Val"):
            assert name[len("X-Val"):] == value
            seen += 1
    return str(seen)
