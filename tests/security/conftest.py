import time
from binascii import unhexlify

import pytest
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, UserFactory
from trainer.security import mfa
from trainer.security.sessions import MFA_PENDING


def totp_code(key: str, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows for ``key`` now (or ``steps_ahead`` x 30 s on)."""
    totp = TOTP(unhexlify(key))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def enrol(user):
    """Turn the second factor on for ``user`` as the enrolment page does; return
    ``(device, recovery_codes)``. The confirming code counts as used."""
    key = mfa.enrolment_start().key
    return mfa.totp_confirm(user=user, key=key, token=totp_code(key))


def log_in(client, user, password=PASSWORD, **data):
    return client.post(
        reverse("accounts:login"), {"username": user.username, "password": password, **data}
    )


def log_in_verified(client, user):
    """Signed in with the second factor already given in this session (for admin pages)."""
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or enrol(user)[0]
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.pop(MFA_PENDING, None)
    session.save()
    return client


@pytest.fixture
def staff(db):
    return UserFactory(username="staffer", is_staff=True)


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)
