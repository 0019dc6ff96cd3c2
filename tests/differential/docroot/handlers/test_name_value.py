# test_cookies.py TestResponseSetCookie::test_name_value, as a script.
def main(request, response):
    response.set_cookie(b"name", b"value")
    return "Test"
