# test_pipes.py test_header_pipe_with_python_func_using_response_writer, as a script.
def main(request, response):
    response.writer.write_content("CONTENT")
