# test_pipes.py test_with_json_handler, as a script.
import json

from wptserve.handlers import json_handler


@json_handler
def main(request, response):
    return json.dumps({"data": "PASS"})
