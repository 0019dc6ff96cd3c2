# test_pipes.py test_with_python_func_handler_using_response_writer, as a script.
def main(request, response):
    response.writer.write_content("PASS")
