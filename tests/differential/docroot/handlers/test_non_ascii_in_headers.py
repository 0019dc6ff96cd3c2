# test_request.py TestRequest::test_non_ascii_in_headers, as a script.
def main(request, response):
    return request.headers[b"foo"]
