# wptserve tests/functional/docroot/test_tuple_3.py
def main(request, response):
    return (202, "Giraffe"), [("Content-Type", "text/html"), ("X-Test", "PASS")], "PASS"
