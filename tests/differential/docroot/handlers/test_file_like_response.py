# test_response.py TestH2Response::test_file_like_response, on HTTP/1.1.
from io import BytesIO


def main(request, response):
    response.content = BytesIO(b"Hello, world!")
