# wptserve tests/functional/docroot/no_main.py: no `main`, so a 500.
def mian(request, response):
    pass
