# test_handlers.py TestJSONHandler::test_json_0, as a script.
from wptserve.handlers import json_handler


@json_handler
def main(request, response):
    return {"data": "test data"}
