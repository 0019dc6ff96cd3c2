# test_request.py TestRequest::test_body, as a script.
def main(request, response):
    request.raw_input.seek(5)
    return request.body
