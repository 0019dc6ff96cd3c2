# test_response.py TestResponse::test_write_content_no_status, as a script.
def main(request, response):
    response.writer.write_header("test-header", "test-value")
    response.writer.write_content(b"TEST")
