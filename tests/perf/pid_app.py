"""A WSGI app for the worker test: answers with its process id, after a pause if asked."""

import os
import time


def app(environ, start_response):
    if environ["PATH_INFO"] == "/slow":
        time.sleep(2)
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
