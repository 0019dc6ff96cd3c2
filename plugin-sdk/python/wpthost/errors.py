"""Exceptions a handler raises to answer with a specific error status."""


class HTTPException(Exception):
    """`raise HTTPException(404)` or `HTTPException(418, "teapot")`: a JSON error with that code.

    `str()` of it is wptserve's message: "404", or the tuple repr "(418, 'teapot')".
    """

    def __init__(self, code, message=""):
        self.code = code
        self.message = message
        if message:
            Exception.__init__(self, code, message)
        else:
            Exception.__init__(self, code)


class HostError(OSError):
    """A host call failed (client gone, limit reached, bad stash key...)."""
