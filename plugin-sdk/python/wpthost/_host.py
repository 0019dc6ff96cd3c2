"""Calls into the host, turning WIT `result` errors into Python exceptions."""

from componentize_py_types import Err

from .errors import HostError


def call(func, *args):
    try:
        return func(*args)
    except Err as err:
        raise HostError(str(err.value)) from None
