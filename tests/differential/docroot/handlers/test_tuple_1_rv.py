# test_handlers.py TestFunctionHandler::test_tuple_1_rv, as a script: 500.
def main(request, response):
    return ()
