# test_cookies.py TestRequestCookies::test_set_cookie, as a script.
def main(request, response):
    return request.cookies[b"name"].value
