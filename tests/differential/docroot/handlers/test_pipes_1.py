# test_pipes.py test_with_python_func_handler, as a script.
def main(request, response):
    return "PASS"
