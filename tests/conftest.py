import pytest

from lessons import formats
from lessons.management.commands.load_lessons import SHIPPED


@pytest.fixture
def iam(db):
    """The shipped IAM lesson, loaded from its data file."""
    [lesson] = formats.load_files([SHIPPED / "iam-best-practices.yaml"])
    return lesson
