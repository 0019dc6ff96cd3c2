# test_request.py TestAuth::test_auth, as a script.
def main(request, response):
    return request.auth.username + b" " + request.auth.password
