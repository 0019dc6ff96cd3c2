# test_cookies.py TestResponseSetCookie::test_unset, as a script.
def main(request, response):
    response.set_cookie(b"name", b"value")
    response.unset_cookie(b"name")
    return "Test"
