# test_stash.py's put_take handler, as a script.
def main(request, response):
    if request.method == "POST":
        request.server.stash.put(request.POST.first(b"id"), request.POST.first(b"data"))
        data = "OK"
    elif request.method == "GET":
        data = request.server.stash.take(request.GET.first(b"id"))
        if data is None:
            return "NOT FOUND"
    return data
