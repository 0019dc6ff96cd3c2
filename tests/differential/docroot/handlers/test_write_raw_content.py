# test_response.py TestResponse::test_write_raw_content, as a script.
def main(request, response):
    response.writer.write_raw_content(b"HTTP/1.1 202 Giraffe\n"
                                      b"X-TEST: PASS\n"
                                      b"Content-Length: 7\n\n"
                                      b"Content")
