# test_handlers.py TestFunctionHandler::test_tuple_4_rv, as a script: 500.
def main(request, response):
    return 202, [("test-header", "test-value")], "test data", "garbage"
