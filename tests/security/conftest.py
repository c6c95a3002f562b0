import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory
from tests.helpers import enrol, log_in_verified, totp_code  # noqa: F401  the security tests' imports


def log_in(client, user, password=PASSWORD, **data):
    return client.post(
        reverse("accounts:login"), {"username": user.username, "password": password, **data}
    )


@pytest.fixture
def staff(db):
    return UserFactory(username="staffer", is_staff=True)


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)
