from .recorder import current_request


class AuditContextMiddleware:
    """Makes the request visible to the audit receivers: who acted, and from where."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)
