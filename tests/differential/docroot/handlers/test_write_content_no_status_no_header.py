# test_response.py TestResponse::test_write_content_no_status_no_header, as a script.
def main(request, response):
    response.writer.write_content(b"TEST")
