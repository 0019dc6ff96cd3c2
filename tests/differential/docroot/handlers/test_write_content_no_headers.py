# test_response.py TestResponse::test_write_content_no_headers, as a script.
def main(request, response):
    response.writer.write_status(201)
    response.writer.write_content(b"TEST")
