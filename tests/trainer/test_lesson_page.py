import re
from html import unescape

from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils.html import strip_tags

from lessons.cache import lesson_with_content
from lessons.modes import deep_dive_minutes, mode_minutes
from tests.factories import LessonFactory, QuestionFactory, StepFactory, UserFactory, full_lesson
from tests.helpers import text


def test_catalog_lists_published_lessons_only(client, db):
    shown = LessonFactory(title="Shown pattern", category="Cat · one")
    LessonFactory(title="Draft pattern", published=False)
    response = client.get(reverse("trainer:catalog"))
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "Shown pattern" in html
    assert "Cat · one" in html
    assert "About 1 minute<" in html  # no content yet: the least a lesson takes
    assert shown.get_absolute_url() in html
    assert "Draft pattern" not in html


def test_lesson_page_shows_every_section_in_order(client, iam):
    response = client.get(iam.get_absolute_url())
    assert response.status_code == 200
    html = unescape(response.content.decode())
    headings = [
        "Overview", "Mental model", "Build-up", "Under the hood", "Myth busters",
        "Expert zone", "When NOT to use", "Production patterns", "Connections",
        "Common pitfalls", "Key takeaways", "Practice",
    ]  # fmt: skip
    positions = [html.index(f'-title">{heading}') for heading in headings]
    assert positions == sorted(positions)
    assert "AWS · cloud" in html
    assert "IAM best practices in AWS" in html
    assert "Deep Dive" in html
    assert f"about {response.context['lesson_minutes']} min" in html
    for step in iam.steps.all():
        assert step.title in html
    for myth in iam.myths.all():
        assert myth.question in html
    for connection in iam.connections.all():
        assert connection.field in html
    assert "Question <strong>1 / 5</strong>" in html


def test_lesson_page_keeps_diagrams_preformatted(client, iam):
    html = unescape(client.get(iam.get_absolute_url()).content.decode())
    assert '<pre class="diagram"' in html
    first_line = iam.diagram.splitlines()[0]
    assert first_line in html


def test_lesson_page_hides_what_reveals_hide(client, iam):
    """Nothing a reveal hides is in the page: step rests, realities, keys, solutions."""
    page = " ".join(
        unescape(strip_tags(client.get(iam.get_absolute_url()).content.decode())).split()
    )
    for step in iam.steps.filter(prediction_prompt__gt=""):
        for hidden in (step.body, step.result, step.insight):
            assert text(hidden)[:60] not in page
    for step in iam.steps.filter(prediction_prompt=""):
        assert text(step.body)[:60] in page
    for myth in iam.myths.all():
        assert text(myth.reality)[:60] not in page
        assert text(myth.why_it_matters)[:60] not in page
    for question in iam.questions.all():
        for hidden in (question.hint, question.final_answer, question.quick_check):
            if hidden:  # test questions carry no hint
                assert text(hidden)[:60] not in page
        for solution in question.solution.all():
            assert text(solution.text)[:60] not in page
    for question in iam.questions.filter(kind="test"):
        assert text(question.stem)[:60] not in page


def test_lesson_page_marks_no_choice_as_correct(client, db):
    """The markup of each choice is identical in shape whether or not it is correct."""
    lesson = LessonFactory()
    StepFactory(lesson=lesson)
    question = QuestionFactory(lesson=lesson, choices=4, choices__correct=3)
    html = client.get(lesson.get_absolute_url()).content.decode()
    card = html[html.index('id="practice-card"') :]
    for choice in question.choices.all():
        card = card.replace(f'value="{choice.pk}"', 'value="PK"').replace(choice.text, "CHOICE")
    items = re.findall(r'<label class="option">.*?CHOICE</span></label>', card)
    assert len(items) == 4
    assert len({re.sub(r"[A-D]\. CHOICE", "", item) for item in items}) == 1


def test_lesson_page_query_count_does_not_grow_with_content(
    client, db, django_assert_max_num_queries
):
    small = full_lesson(steps=2, practice=1)
    big = full_lesson(steps=12, practice=9)
    for lesson in (small, big):
        client.get(lesson.get_absolute_url())
    with django_assert_max_num_queries(16) as small_queries:
        client.get(small.get_absolute_url())
    with django_assert_max_num_queries(16) as big_queries:
        client.get(big.get_absolute_url())
    assert len(small_queries) == len(big_queries)


def test_lesson_page_404_for_unknown_and_unpublished(client, db):
    draft = LessonFactory(published=False)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get("/lessons/no-such-lesson/").status_code == 404


def test_lesson_page_refuses_unsafe_methods(client, iam):
    assert client.post(iam.get_absolute_url()).status_code == 405


def test_staff_who_may_view_lessons_preview_drafts(client, db):
    draft = full_lesson(published=False)
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get(draft.get_absolute_url()).status_code == 404
    staff.user_permissions.add(Permission.objects.get(codename="view_lesson"))
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_catalog_header_and_deep_dive_card_show_one_computed_figure(client, iam):
    """The minutes shown for a lesson are its Deep Dive's, computed from the content,
    in the catalog, the lesson header and the mode picker alike; the authored figure
    is not shown."""
    type(iam).objects.filter(pk=iam.pk).update(estimated_minutes=97)
    iam.refresh_from_db()
    content = lesson_with_content(iam)
    minutes = deep_dive_minutes(content)
    assert minutes == mode_minutes(content, cards=3, test_questions=10)["deep-dive"] > 15
    catalog = unescape(client.get(reverse("trainer:catalog")).content.decode())
    assert f"About {minutes} minutes" in catalog
    page = client.get(iam.get_absolute_url())
    html = unescape(page.content.decode())
    assert f"{iam.category} · about {minutes} min" in html
    card = re.search(r'aria-current="page">Deep Dive</a>\s*<span class="meta">(\d+) min', html)
    assert int(card[1]) == minutes
    for response_html in (catalog, html):
        assert "97 min" not in response_html
