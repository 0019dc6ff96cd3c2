# test_handlers.py TestJSONHandler::test_json_tuple_2, as a script.
from wptserve.handlers import json_handler


@json_handler
def main(request, response):
    return [("Test-Header", "test-value")], {"data": "test data"}
