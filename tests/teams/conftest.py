from datetime import UTC, datetime

import pytest

from quizzes.models import Learner, LessonProgress
from tests.factories import (
    AssignmentFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
    full_lesson,
)


def progress_for(user, lesson, **fields):
    """The user's summary on the lesson, as ``quizzes.services`` would have written it."""
    learner, _ = Learner.objects.get_or_create(user=user)
    fields.setdefault("started_at", datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    fields.setdefault("percent", 50)
    row, _ = LessonProgress.objects.update_or_create(
        learner=learner, lesson=lesson, defaults=fields
    )
    return row


def complete(user, lesson, at=datetime(2026, 11, 20, 15, 30, tzinfo=UTC), **fields):
    return progress_for(user, lesson, percent=100, completed_at=at, **fields)


@pytest.fixture
def team(db):
    return TeamFactory(name="Platform security", slug="platform-security")


@pytest.fixture
def manager(team):
    return MembershipFactory(team=team, role="manager", user=UserFactory(username="boss")).user


@pytest.fixture
def member(team):
    return MembershipFactory(team=team, user=UserFactory(username="alice")).user


@pytest.fixture
def lesson(db):
    return full_lesson(steps=3, practice=2, title="Least privilege")


@pytest.fixture
def assignment(team, lesson, manager):
    return AssignmentFactory(team=team, lesson=lesson, created_by=manager)


@pytest.fixture
def other_team(db):
    """A team the manager above has nothing to do with, with a member and an assignment."""
    other = TeamFactory(name="Payments", slug="payments")
    MembershipFactory(team=other, user=UserFactory(username="mallory"))
    MembershipFactory(team=other, role="manager", user=UserFactory(username="otherboss"))
    AssignmentFactory(team=other, lesson=full_lesson(steps=1, practice=1, title="Other lesson"))
    return other
