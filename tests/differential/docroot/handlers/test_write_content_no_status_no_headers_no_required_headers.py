# test_response.py TestResponse::test_write_content_no_status_no_headers_no_required_headers.
def main(request, response):
    response.add_required_headers = False
    response.writer.write_content(b"TEST")
