from django.conf import settings


def sign_in(request):
    """Whether pages may offer password sign-in, sign-up and password changes."""
    return {"password_login": settings.PASSWORD_LOGIN}
