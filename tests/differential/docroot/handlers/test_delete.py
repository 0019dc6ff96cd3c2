# test_cookies.py TestResponseSetCookie::test_delete, as a script.
def main(request, response):
    response.delete_cookie(b"name")
    return "Test"
