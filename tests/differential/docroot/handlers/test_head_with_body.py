# test_response.py TestResponse::test_head_with_body (without its end_headers monkey-patch).
def main(request, response):
    response.send_body_for_head_request = True
    return [("X-Test", "TEST")], "body\r\n"
