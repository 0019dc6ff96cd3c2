# test_handlers.py TestFunctionHandler::test_none_rv, as a script.
def main(request, response):
    return None
