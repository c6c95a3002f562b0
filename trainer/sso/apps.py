from django.apps import AppConfig
from django.conf import settings
from django.core import checks


class SsoConfig(AppConfig):
    name = "trainer.sso"
    label = "sso"
    verbose_name = "Single sign-on"

    def ready(self):
        checks.register(sign_in_check, checks.Tags.security)


def sign_in_check(app_configs=None, **kwargs):
    """Someone must be able to sign in, and a configured provider needs its client."""
    errors = []
    if not settings.PASSWORD_LOGIN and not settings.OIDC_ISSUER:
        errors.append(
            checks.Error(
                "PASSWORD_LOGIN is off and no OIDC_ISSUER is set: nobody could sign in.",
                hint="Set OIDC_ISSUER (with OIDC_CLIENT_ID and OIDC_CLIENT_SECRET) or "
                "turn PASSWORD_LOGIN back on.",
                id="sso.E001",
            )
        )
    if settings.OIDC_ISSUER and not (settings.OIDC_CLIENT_ID and settings.OIDC_CLIENT_SECRET):
        errors.append(
            checks.Error(
                "OIDC_ISSUER is set but OIDC_CLIENT_ID or OIDC_CLIENT_SECRET is empty.",
                hint="Register this site with the identity provider and set both.",
                id="sso.E002",
            )
        )
    return errors
