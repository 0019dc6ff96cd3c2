# test_handlers.py TestFunctionHandler::test_tuple_3_rv, as a script.
def main(request, response):
    return 202, [("test-header", "test-value")], "test data"
