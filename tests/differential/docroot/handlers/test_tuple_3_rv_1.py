# test_handlers.py TestFunctionHandler::test_tuple_3_rv_1, as a script.
def main(request, response):
    return (202, "Some Status"), [("test-header", "test-value")], "test data"
