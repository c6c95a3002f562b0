import pytest
from django.urls import reverse

from quizzes.models import Commit, Learner
from tests.factories import UserFactory, full_lesson
from tests.security.conftest import enrol, log_in, totp_code

pytestmark = pytest.mark.django_db


def test_anonymous_record_joins_a_two_factor_account_only_after_the_second_factor(client):
    """A password alone cannot push commits into an account that has a second factor."""
    user = UserFactory()
    device, _ = enrol(user)
    lesson = full_lesson()
    myth = lesson.myths.first()
    client.post(reverse("quizzes:commit", args=[lesson.slug, "myth", myth.pk]), {"answer": "no"})

    log_in(client, user)
    assert not Commit.objects.filter(learner__user=user).exists()

    client.post(reverse("security:verify"), {"code": totp_code(device.key, steps_ahead=1)})
    assert Commit.objects.get().learner.user == user
    assert Learner.objects.count() == 1
