"""Numbers come from ASCII digits only: other scripts' digits are a clear 4xx, never 500.

``"²".isdigit()`` is true yet ``int("²")`` fails (a 500 before ``lessons.numbers``), and
``int("٣")`` is 3 (a number nobody typed on purpose). Every place that reads a number
from a request goes through ``lessons.numbers.parse_int``.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from lessons.cards import cards_for
from lessons.models import Lesson
from lessons.numbers import WholeNumberField, parse_int
from quizzes.converters import IdConverter
from quizzes.models import CardSchedule, Learner
from tests.factories import AssignmentFactory, MembershipFactory, UserFactory, full_lesson
from trainer.teams.forms import DashboardQuery

from .conftest import log_in_verified

pytestmark = pytest.mark.django_db

# Superscript two, circled one, Arabic-Indic three, full-width seven, Devanagari four.
FOREIGN_DIGITS = ["²", "①", "٣", "\uff17", "४"]


@pytest.fixture
def lesson():
    return full_lesson(steps=3, practice=2)


@pytest.mark.parametrize("raw", ["0", "7", "42", "000123"])
def test_parse_int_reads_ascii_digits(raw):
    """Plain ASCII digits are the number they spell."""
    assert parse_int(raw) == int(raw)


@pytest.mark.parametrize(
    "raw", [*FOREIGN_DIGITS, "1²", "", " 1", "1 ", "+1", "-1", "1.0", "1_000", "9" * 19, None]
)
def test_parse_int_refuses_anything_but_ascii_digits(raw):
    """Other scripts' digits, signs, spaces, separators and over-long values are refused."""
    with pytest.raises(ValueError, match="not a number"):
        parse_int(raw)


def test_parse_int_checks_the_bounds():
    """A number outside the bounds given is refused like a malformed one."""
    assert parse_int("3", minimum=1, maximum=3) == 3
    with pytest.raises(ValueError, match="out of range"):
        parse_int("0", minimum=1)
    with pytest.raises(ValueError, match="out of range"):
        parse_int("4", maximum=3)


@pytest.mark.parametrize("digit", FOREIGN_DIGITS)
def test_flashcard_rating_in_other_digits_is_400_and_records_nothing(client, lesson, digit):
    """POST flashcards/rate/ with rating=² (or ①, ٣ ...) is refused, not a 500 or a review."""
    card = cards_for(Lesson.objects.with_content().get(pk=lesson.pk))[0]
    response = client.post(
        reverse("trainer:flashcard-rate", args=[lesson.slug]), {"card": card.key, "rating": digit}
    )
    assert response.status_code == 400
    assert not CardSchedule.objects.exists()
    assert not Learner.objects.exists()


@pytest.mark.parametrize("digit", FOREIGN_DIGITS)
@pytest.mark.parametrize(
    ("name", "param"),
    [("practice", "q"), ("step-by-step", "step"), ("myths", "n")],
)
def test_position_parameters_in_other_digits_are_400(client, lesson, name, param, digit):
    """?q=, ?step= and ?n= name a position in ASCII digits; anything else is a 400."""
    if name == "practice":
        url = reverse("quizzes:practice", args=[lesson.slug])
    else:
        url = reverse("trainer:lesson-mode", args=[lesson.slug, name])
    assert client.get(url, {param: "1"}).status_code == 200
    assert client.get(url, {param: digit}).status_code == 400


@pytest.mark.parametrize("digit", FOREIGN_DIGITS)
def test_admin_question_add_with_other_digits_for_its_lesson_opens_the_form(client, digit):
    """GET /admin/lessons/question/add/?lesson=² shows the empty form, not a 500."""
    log_in_verified(client, UserFactory(is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:lessons_question_add"), {"lesson": digit})
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert not form.fields["teaches_step"].queryset.exists()


@pytest.mark.parametrize("digit", FOREIGN_DIGITS)
def test_dashboard_query_in_other_digits_is_400(client, digit):
    """The team dashboard's ?page= and ?assignment= take ASCII digits only."""
    manager = UserFactory()
    membership = MembershipFactory(user=manager, role="manager")
    assignment = AssignmentFactory(team=membership.team)
    client.force_login(manager)
    url = reverse("teams:dashboard", args=[membership.team.slug])
    assert client.get(url, {"assignment": str(assignment.pk)}).status_code == 200
    assert client.get(url, {"page": digit}).status_code == 400
    assert client.get(url, {"assignment": digit}).status_code == 400


@pytest.mark.parametrize("digit", FOREIGN_DIGITS)
def test_form_number_fields_refuse_other_digits(digit):
    """Number fields in the site's forms (dashboard filters) refuse them."""
    with pytest.raises(ValidationError):
        WholeNumberField(min_value=1).clean(digit * 2)
    query = DashboardQuery({"page": digit, "assignment": digit})
    assert not query.is_valid()
    assert set(query.errors) == {"page", "assignment"}


@pytest.mark.parametrize("digit", FOREIGN_DIGITS)
def test_id_converter_refuses_other_digits(client, lesson, digit):
    """A row id in a URL is ASCII digits: elsewhere it matches no URL (404)."""
    with pytest.raises(ValueError, match="not a number"):
        IdConverter().to_python(digit)
    url = reverse("quizzes:hint", args=[lesson.slug, 1]).replace("/1/", f"/{digit}/")
    assert client.post(url).status_code == 404
