import pytest

from lessons import format_load
from lessons.management.commands.load_lessons import SHIPPED


@pytest.fixture
def iam(db):
    """The shipped IAM lesson, loaded from its data file."""
    [lesson] = format_load.load_files([SHIPPED / "iam-best-practices.yaml"])
    return lesson


# The loopback OpenID provider for the single sign-on tests (tests/oidc/idp.py).
from tests.oidc.idp import idp, oidc_provider  # noqa: E402, F401
