# test_handlers.py TestFunctionHandler::test_tuple_2_rv, as a script (Content-Length not enforced).
def main(request, response):
    return [("Content-Length", 4), ("test-header", "test-value")], "test data"
