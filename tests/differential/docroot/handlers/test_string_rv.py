# test_handlers.py TestFunctionHandler::test_string_rv, as a script.
def main(request, response):
    return "test data"
