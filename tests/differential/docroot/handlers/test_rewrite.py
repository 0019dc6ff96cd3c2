# test_server.py TestRewriter::test_rewrite's handler, as a script.
def main(request, response):
    return request.request_path
