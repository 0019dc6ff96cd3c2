# test_response.py TestH2Response::test_list_response, on HTTP/1.1.
def main(request, response):
    response.content = ["hello", "world"]
