# test_request.py TestRequest::test_non_ascii_in_GET_params, as a script.
def main(request, response):
    return request.GET[b"foo"]
