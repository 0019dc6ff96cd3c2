# test_request.py TestRequest::test_non_ascii_in_POST_params, as a script.
def main(request, response):
    return request.POST[b"foo"]
