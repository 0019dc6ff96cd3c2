# test_response.py TestH2Response::test_set_error, on HTTP/1.1.
def main(request, response):
    response.set_error(503, "Test error")
