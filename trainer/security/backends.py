from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend


class ThrottledModelBackend(AxesStandaloneBackend, ModelBackend):
    """Django's username and password check, refused outright while django-axes has the
    (username, address) pair locked out.

    One backend rather than axes' and Django's side by side, so ``login(request, user)``
    (the sign-up view) needs no ``backend`` argument. A call without a request (a shell,
    ``Client.login``) has no address to count against and goes straight to the password.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is not None:
            # Raises AxesBackendPermissionDenied when locked out, which Django's
            # authenticate() turns into a failed login.
            AxesStandaloneBackend.authenticate(
                self, request, username=username, password=password, **kwargs
            )
        return ModelBackend.authenticate(
            self, request, username=username, password=password, **kwargs
        )
