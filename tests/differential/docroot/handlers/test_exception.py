# test_server.py TestRequestHandler::test_exception, as a script.
def main(request, response):
    raise Exception
