# test_response.py TestResponse::test_write_raw_contents_invalid_http, as a script.
def main(request, response):
    response.writer.write_raw_content(b"INVALID HTTP")
