# test_response.py TestResponse::test_write_content_no_status_no_required_headers, as a script.
def main(request, response):
    response.add_required_headers = False
    response.writer.write_header("test-header", "test-value")
    response.writer.write_content(b"TEST")
