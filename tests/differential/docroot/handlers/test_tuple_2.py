# wptserve tests/functional/docroot/test_tuple_2.py
def main(request, response):
    return [("Content-Type", "text/html"), ("X-Test", "PASS")], "PASS"
