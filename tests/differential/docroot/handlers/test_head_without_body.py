# test_response.py TestResponse::test_head_without_body (without its end_headers monkey-patch).
def main(request, response):
    return [("X-Test", "TEST")], "body\r\n"
