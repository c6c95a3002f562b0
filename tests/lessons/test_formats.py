import copy
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from lessons import format_export, format_load, formats
from lessons.models import Choice, Lesson, Question, Step

SHIPPED = Path(__file__).resolve().parents[2] / "lessons" / "data" / "iam-best-practices.yaml"

MINIMAL = {
    "slug": "tiny-lesson",
    "title": "Tiny lesson",
    "category": "Testing",
    "published": True,
    "steps": [
        {"level": "foundation", "title": "One", "concept": "C1", "body": "B1"},
        {
            "level": "expert",
            "title": "Two",
            "concept": "C2",
            "body": "B2",
            "prediction": {
                "prompt": "Guess?",
                "options": [{"text": "Yes", "expected": True}, {"text": "No"}],
            },
        },
    ],
    "myths": [
        {"question": "Q?", "belief": "B", "reality": "R", "why_it_matters": "W", "answer": True}
    ],
    "practice": [
        {
            "difficulty": "easy",
            "stem": "Pick A",
            "choices": [{"text": "A", "correct": True}, {"text": "B"}],
            "teaches": "step 2",
        }
    ],
}


def write(tmp_path, data, name="lesson.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.django_db
def test_load_shipped_lesson_has_the_seed_structure():
    """The IAM lesson loads with the seed's seven steps plus two, five myths, five practice
    questions and a pattern-test pool of at least 30, eight or more per difficulty."""
    [lesson] = format_load.load_files([SHIPPED])
    assert lesson.slug == "iam-best-practices"
    assert lesson.published
    steps = list(lesson.steps.all())
    assert [s.level for s in steps] == [
        "foundation", "foundation", "intermediate", "intermediate",
        "intermediate", "advanced", "expert", "expert", "expert",
    ]  # fmt: skip
    assert [s.number for s in steps if s.has_prediction] == [3, 4, 6, 7, 8, 9]
    for step in steps:
        if step.has_prediction:
            assert step.options.filter(is_expected=True).count() == 1
    assert [m.true_answer for m in lesson.myths.all()] == [False, False, False, True, True]
    assert lesson.pitfalls.count() == 5
    assert lesson.connections.count() == 3
    assert lesson.takeaways.count() == 7
    practice = lesson.questions.filter(kind="practice").order_by("order")
    assert [q.difficulty for q in practice] == ["easy", "easy", "medium", "easy", "medium"]
    correct_letters = [q.choices.get(is_correct=True).letter for q in practice]
    assert correct_letters == ["B", "D", "A", "C", "B"]
    test = [q.difficulty for q in lesson.questions.filter(kind="test")]
    assert len(test) >= 30
    assert min(test.count(d) for d in ("easy", "medium", "hard")) >= 8
    for question in lesson.questions.all():
        assert question.choices.filter(is_correct=True).count() == 1


@pytest.mark.django_db
def test_load_keeps_diagrams_byte_for_byte():
    """A diagram's whitespace and box-drawing characters survive loading."""
    [lesson] = format_load.load_files([SHIPPED])
    source = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    assert lesson.diagram == source["mental_model"]["diagram"]
    assert lesson.internals_diagram == source["under_the_hood"]["diagram"]
    assert "┌" in lesson.diagram


@pytest.mark.django_db
def test_load_twice_updates_in_place(tmp_path):
    """Re-running the loader updates rows in place: same ids, no duplicates."""
    path = write(tmp_path, MINIMAL)
    [first] = format_load.load_files([path])
    step_ids = list(first.steps.values_list("pk", flat=True))
    choice_ids = list(Choice.objects.values_list("pk", flat=True))

    changed = copy.deepcopy(MINIMAL)
    changed["steps"][0]["title"] = "One, renamed"
    [second] = format_load.load_files([write(tmp_path, changed)])

    assert second.pk == first.pk
    assert Lesson.objects.count() == 1
    assert list(second.steps.values_list("pk", flat=True)) == step_ids
    assert list(Choice.objects.values_list("pk", flat=True)) == choice_ids
    assert Step.objects.get(pk=step_ids[0]).title == "One, renamed"


@pytest.mark.django_db
def test_load_can_move_the_expected_prediction_option_while_rewording(tmp_path):
    """Rewording a prediction's options and moving the expected mark to an earlier one
    updates the rows in place without tripping the one-expected-option constraint."""
    first = copy.deepcopy(MINIMAL)
    first["steps"][1]["prediction"]["options"] = [{"text": "Yes"}, {"text": "No", "expected": True}]
    [lesson] = format_load.load_files([write(tmp_path, first)])
    option_ids = list(lesson.steps.get(order=2).options.values_list("pk", flat=True))

    reworded = copy.deepcopy(MINIMAL)
    reworded["steps"][1]["prediction"]["options"] = [
        {"text": "Surely", "expected": True},
        {"text": "Never"},
    ]
    [lesson] = format_load.load_files([write(tmp_path, reworded)])

    options = lesson.steps.get(order=2).options.order_by("order")
    assert [(o.pk, o.text, o.is_expected) for o in options] == [
        (option_ids[0], "Surely", True),
        (option_ids[1], "Never", False),
    ]


@pytest.mark.django_db
def test_load_removes_rows_the_file_no_longer_has(tmp_path):
    """A step dropped from the file is dropped from the lesson."""
    format_load.load_files([write(tmp_path, MINIMAL)])
    shorter = copy.deepcopy(MINIMAL)
    shorter["steps"] = shorter["steps"][:1]
    shorter["practice"][0]["teaches"] = "step 1"
    format_load.load_files([write(tmp_path, shorter)])
    assert list(Step.objects.values_list("title", flat=True)) == ["One"]


@pytest.mark.django_db
def test_load_can_change_which_choice_is_correct(tmp_path):
    """Moving the correct mark between choices does not trip the one-correct constraint."""
    format_load.load_files([write(tmp_path, MINIMAL)])
    moved = copy.deepcopy(MINIMAL)
    moved["practice"][0]["choices"] = [{"text": "A"}, {"text": "B", "correct": True}]
    format_load.load_files([write(tmp_path, moved)])
    assert Question.objects.get().choices.get(is_correct=True).text == "B"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("title"), "title: is required"),
        (lambda d: d.update(slug="Not A Slug"), "slug: must be lowercase"),
        (lambda d: d["steps"][0].update(level="guru"), "steps[1].level: must be one of"),
        (
            lambda d: d["practice"][0]["choices"][1].update(correct=True),
            "practice[1].choices: exactly one option must be correct (found 2)",
        ),
        (
            lambda d: d["practice"][0]["choices"][0].pop("correct"),
            "practice[1].choices: exactly one option must be correct (found 0)",
        ),
        (lambda d: d["practice"][0].pop("difficulty"), "practice[1].difficulty: is required"),
        (
            lambda d: d["steps"][1]["prediction"]["options"][0].pop("expected"),
            "steps[2].prediction.options: exactly one option must be expected (found 0)",
        ),
        (lambda d: d["myths"][0].pop("answer"), "myths[1].answer: is required"),
        (lambda d: d["myths"][0].update(answer="maybe"), "myths[1].answer: must be true"),
        (lambda d: d["practice"][0].update(teaches="step 9"), "there is no step 9"),
        (lambda d: d.update(colour="blue"), "colour: is not a known field"),
        (lambda d: d.update(steps=[]), "steps: needs at least 1 item"),
        (lambda d: d.update(estimated_minutes="soon"), "estimated_minutes: must be a whole"),
        (lambda d: d["steps"][0].update(body="a\x00b"), "steps[1].body: contains a NUL"),
    ],
)
@pytest.mark.django_db
def test_load_broken_file_names_file_and_field_and_loads_nothing(tmp_path, mutate, message):
    """An error is reported with its file and field, and nothing at all is written."""
    data = copy.deepcopy(MINIMAL)
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(formats.LessonFormatError) as caught:
        format_load.load_files([write(tmp_path, MINIMAL, "good.yaml"), path])
    assert any(e.startswith(f"{path}: ") and message in e for e in caught.value.errors), (
        caught.value.errors
    )
    assert Lesson.objects.count() == 0


@pytest.mark.django_db
def test_load_reports_yaml_syntax_errors_with_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("slug: a\ntitle: [unclosed\n", encoding="utf-8")
    with pytest.raises(formats.LessonFormatError, match=r"broken.yaml: not valid YAML \(line"):
        format_load.load_files([path])


@pytest.mark.django_db
def test_load_rejects_links_to_unknown_lessons(tmp_path):
    data = copy.deepcopy(MINIMAL)
    data["overview"] = {"next": ["no-such-lesson"]}
    with pytest.raises(formats.LessonFormatError, match="no lesson with slug 'no-such-lesson'"):
        format_load.load_files([write(tmp_path, data)])
    assert not Lesson.objects.exists()


@pytest.mark.django_db
def test_load_links_lessons_in_the_same_batch(tmp_path):
    first = copy.deepcopy(MINIMAL)
    first["overview"] = {"next": ["second-lesson"]}
    second = copy.deepcopy(MINIMAL) | {"slug": "second-lesson"}
    second["overview"] = {"prerequisites": ["tiny-lesson"]}
    format_load.load_files([write(tmp_path, first, "a.yaml"), write(tmp_path, second, "b.yaml")])
    assert list(Lesson.objects.get(slug="tiny-lesson").next_lessons.all()) == [
        Lesson.objects.get(slug="second-lesson")
    ]


@pytest.mark.django_db
def test_export_load_export_is_identical(tmp_path):
    """Export, load the export, export again: the two exports are the same text."""
    [lesson] = format_load.load_files([SHIPPED])
    first = format_export.export(lesson)
    Lesson.objects.all().delete()
    [reloaded] = format_load.load_files([write_text(tmp_path, first)])
    assert format_export.export(reloaded) == first
    assert yaml.safe_load(first)["practice"][2]["stem"].count("s3:ListBucket") == 1


def write_text(tmp_path, text):
    path = tmp_path / "exported.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_export_matches_the_shipped_file_content():
    """Every field of the shipped file comes back out of the database unchanged."""
    [lesson] = format_load.load_files([SHIPPED])
    exported = yaml.safe_load(format_export.export(lesson))
    source = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    assert exported["steps"][2]["prediction"] == source["steps"][2]["prediction"]
    assert exported["myths"] == source["myths"]
    assert exported["practice"][2]["stem"] == source["practice"][2]["stem"]
    assert [q["teaches"] for q in exported["test"]] == [q.get("teaches") for q in source["test"]]


@pytest.mark.django_db
def test_command_load_lessons_defaults_to_shipped_lessons(capsys):
    call_command("load_lessons")
    call_command("load_lessons")
    assert Lesson.objects.filter(slug="iam-best-practices").count() == 1
    assert "Loaded iam-best-practices" in capsys.readouterr().out


@pytest.mark.django_db
def test_command_load_lessons_fails_clearly(tmp_path):
    broken = copy.deepcopy(MINIMAL)
    broken["steps"][0].pop("title")
    path = write(tmp_path, broken)
    with pytest.raises(CommandError, match=r"Nothing was loaded:\n.*lesson.yaml: steps\[1\].title"):
        call_command("load_lessons", str(path))


@pytest.mark.django_db
def test_command_export_lesson_prints_yaml(capsys):
    call_command("load_lessons")
    call_command("export_lesson", "iam-best-practices")
    out = capsys.readouterr().out
    data = yaml.safe_load(out)
    assert data["slug"] == "iam-best-practices"
    assert len(data["test"]) >= 30


@pytest.mark.django_db
def test_command_export_unknown_lesson_fails():
    with pytest.raises(CommandError, match="No lesson with slug 'nope'"):
        call_command("export_lesson", "nope")


@pytest.mark.django_db
def test_flashcards_load_and_export(tmp_path):
    data = copy.deepcopy(MINIMAL)
    data["flashcards"] = [{"front": "What wins over an Allow?", "back": "An explicit Deny."}]
    [lesson] = format_load.load_files([write(tmp_path, data)])
    assert lesson.flashcards.get().back == "An explicit Deny."
    assert yaml.safe_load(format_export.export(lesson))["flashcards"] == data["flashcards"]
    data["flashcards"] = [{"front": "No back"}]
    with pytest.raises(formats.LessonFormatError, match=r"flashcards\[1\].back: is required"):
        format_load.load_files([write(tmp_path, data)])


@pytest.mark.django_db
def test_load_keeps_row_identity_when_rows_move_or_go(tmp_path):
    """Dropping the first step deletes that step; the second keeps its id and content."""
    format_load.load_files([write(tmp_path, MINIMAL)])
    second = Step.objects.get(title="Two")
    shorter = copy.deepcopy(MINIMAL)
    shorter["steps"] = shorter["steps"][1:]
    shorter["practice"][0]["teaches"] = "step 1"
    format_load.load_files([write(tmp_path, shorter)])
    assert list(Step.objects.values_list("pk", "title", "order")) == [(second.pk, "Two", 1)]


@pytest.mark.django_db
def test_command_load_refuses_dropping_answered_items_and_writes_nothing(tmp_path):
    """A file that leaves out a step and a myth learners committed to is refused with a
    CommandError naming each of them and why, and no file of the load is written."""
    from quizzes.services import commit_record
    from tests.factories import LearnerFactory

    [lesson] = format_load.load_files([write(tmp_path, MINIMAL)])
    step = lesson.steps.get(title="Two")
    myth = lesson.myths.get()
    learner = LearnerFactory()
    commit_record(learner=learner, kind="step", item=step, answer=str(step.options.first().pk))
    commit_record(learner=learner, kind="myth", item=myth, answer="yes")
    dropped = copy.deepcopy(MINIMAL)
    dropped["title"] = "Tiny lesson, renamed"
    dropped["steps"] = dropped["steps"][:1]
    dropped["myths"] = []
    dropped["practice"][0]["teaches"] = "step 1"
    other = {**copy.deepcopy(MINIMAL), "slug": "another-lesson"}
    paths = [write(tmp_path, dropped, "dropped.yaml"), write(tmp_path, other, "other.yaml")]

    with pytest.raises(CommandError) as refused:
        call_command("load_lessons", *map(str, paths))

    message = str(refused.value)
    assert "Nothing was loaded" in message
    assert "dropped.yaml: the step “Step 2: Two” is left out of the file" in message
    assert "records of learners or teams refer to it (1 commit" in message
    assert "keep it in the file" in message
    assert list(Lesson.objects.values_list("slug", "title")) == [("tiny-lesson", "Tiny lesson")]
    assert list(lesson.steps.values_list("title", flat=True)) == ["One", "Two"]
    assert lesson.myths.count() == 1


@pytest.mark.django_db
def test_load_names_every_answered_row_a_file_drops(tmp_path):
    """Each left-out row with learners' records is named, not only the first."""
    from quizzes.services import commit_record
    from tests.factories import LearnerFactory

    data = copy.deepcopy(MINIMAL)
    data["myths"] = [{**data["myths"][0], "question": f"Q{n}?"} for n in (1, 2, 3)]
    [lesson] = format_load.load_files([write(tmp_path, data)])
    learner = LearnerFactory()
    for myth in lesson.myths.all()[1:]:
        commit_record(learner=learner, kind="myth", item=myth, answer="no")
    data["myths"] = data["myths"][:1]

    with pytest.raises(formats.LessonFormatError) as refused:
        format_load.load_files([write(tmp_path, data)])

    assert [
        error.split(": the ")[1].split(" is left out")[0] for error in refused.value.errors
    ] == [
        "myth “Q2?”",
        "myth “Q3?”",
    ]
    assert lesson.myths.count() == 3
