import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from lessons import models as content

PASSWORD = "correct horse battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"learner{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = content.Lesson

    slug = factory.Sequence(lambda n: f"lesson-{n}")
    title = factory.Sequence(lambda n: f"Pattern number {n}")
    subtitle = "Deep Dive"
    category = "Testing · patterns"
    estimated_minutes = 12
    published = True
    what_is_it = "It is a way to practise."
    why_it_matters = "It keeps the learner honest."
    where_it_fits = "After the basics."
    core_idea = "Commit before you look."
    analogy = "Like sealing an envelope before the draw."
    diagram = "┌──┐\n│ok│\n└──┘"
    how_it_works = "The server decides."
    why_designed = "So nothing leaks."
    internals_diagram = "a ─▶ b"
    when_not_to_use = "When nothing is at stake."
    production_patterns = "Used in every lesson."


class StepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = content.Step

    lesson = factory.SubFactory(LessonFactory)
    order = factory.Sequence(lambda n: n + 1)
    level = content.Level.FOUNDATION
    title = factory.Sequence(lambda n: f"Step title {n}")
    concept = factory.Sequence(lambda n: f"Concept text {n}")
    body = factory.Sequence(lambda n: f"Hidden step body {n}")
    result = factory.Sequence(lambda n: f"Hidden step result {n}")
    insight = factory.Sequence(lambda n: f"Hidden step insight {n}")
    prediction_prompt = ""


class PredictionOptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = content.PredictionOption

    step = factory.SubFactory(StepFactory, prediction_prompt="Before reading on: guess.")
    order = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"Option {n}")
    is_expected = False


class MythFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = content.Myth

    lesson = factory.SubFactory(LessonFactory)
    order = factory.Sequence(lambda n: n + 1)
    question = factory.Sequence(lambda n: f"Is myth {n} true?")
    belief = factory.Sequence(lambda n: f"People believe myth {n}.")
    reality = factory.Sequence(lambda n: f"Hidden myth reality {n}")
    why_it_matters = factory.Sequence(lambda n: f"Hidden myth stakes {n}")
    true_answer = False


class NuanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = content.Nuance

    lesson = factory.SubFactory(LessonFactory)
    order = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"Nuance {n}")


class TakeawayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = content.Takeaway

    lesson = factory.SubFactory(LessonFactory)
    order = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"Takeaway {n}")


class ConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = content.Connection

    lesson = factory.SubFactory(LessonFactory)
    order = factory.Sequence(lambda n: n + 1)
    field = factory.Sequence(lambda n: f"Field {n}")
    relation = "They share an idea."
    insight = "Seeing one clarifies the other."


class PitfallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = content.Pitfall

    lesson = factory.SubFactory(LessonFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Pitfall {n}")
    wrong = factory.Sequence(lambda n: f"Wrong approach {n}")
    correct = factory.Sequence(lambda n: f"Correct approach {n}")
    root_cause = factory.Sequence(lambda n: f"Root cause {n}")


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = content.Question
        skip_postgeneration_save = True

    lesson = factory.SubFactory(LessonFactory)
    kind = content.QuestionKind.PRACTICE
    order = factory.Sequence(lambda n: n + 1)
    difficulty = content.Difficulty.EASY
    stem = factory.Sequence(lambda n: f"Question stem {n}?")
    hint = factory.Sequence(lambda n: f"Hidden hint {n}")
    final_answer = factory.Sequence(lambda n: f"Hidden final answer {n}")
    quick_check = factory.Sequence(lambda n: f"Hidden quick check {n}")
    common_mistakes = factory.Sequence(lambda n: f"Hidden mistake {n}")

    @factory.post_generation
    def choices(obj, create, extracted, **kwargs):
        """Four choices, the second one correct, unless told otherwise (choices=0)."""
        if not create or extracted == 0:
            return
        correct = kwargs.get("correct", 2)
        for position in range(1, (extracted or 4) + 1):
            ChoiceFactory(
                question=obj,
                order=position,
                text=f"Choice {position} of {obj.stem}",
                is_correct=position == correct,
            )


class ChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = content.Choice

    question = factory.SubFactory(QuestionFactory, choices=0)
    order = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"Choice text {n}")
    is_correct = False


class SolutionStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = content.SolutionStep

    question = factory.SubFactory(QuestionFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Hidden solution step {n}")
    text = factory.Sequence(lambda n: f"Hidden solution text {n}")


def full_lesson(*, steps=3, practice=2, test=0, **fields):
    """A published lesson with every section filled, the first step carrying a prediction."""
    lesson = LessonFactory(**fields)
    for position in range(1, steps + 1):
        step = StepFactory(
            lesson=lesson,
            order=position,
            prediction_prompt="Before reading on: which is safer?" if position == 1 else "",
        )
        if position == 1:
            PredictionOptionFactory(step=step, order=1, text="The first guess")
            PredictionOptionFactory(step=step, order=2, text="The second guess", is_expected=True)
    MythFactory(lesson=lesson, order=1)
    MythFactory(lesson=lesson, order=2, true_answer=True)
    NuanceFactory(lesson=lesson, order=1)
    TakeawayFactory(lesson=lesson, order=1)
    ConnectionFactory(lesson=lesson, order=1)
    PitfallFactory(lesson=lesson, order=1)
    for kind, count in (
        (content.QuestionKind.PRACTICE, practice),
        (content.QuestionKind.TEST, test),
    ):
        for position in range(1, count + 1):
            question = QuestionFactory(lesson=lesson, kind=kind, order=position)
            SolutionStepFactory(question=question, order=1)
    return lesson


class LearnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "quizzes.Learner"

    user = factory.SubFactory(UserFactory)


class AttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "quizzes.Attempt"

    learner = factory.SubFactory(LearnerFactory)
    lesson = factory.SubFactory(LessonFactory)
    kind = content.QuestionKind.PRACTICE
    number = factory.Sequence(lambda n: n + 1)
    question_ids = factory.LazyAttribute(
        lambda a: list(
            a.lesson.questions.filter(kind=a.kind).order_by("order").values_list("pk", flat=True)
        )
    )


def in_two_weeks():
    # Imported here because this block is appended below the module's imports.
    from datetime import timedelta

    from django.utils import timezone

    return timezone.localdate() + timedelta(days=14)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "teams.Team"

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "teams.Membership"

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    role = "member"


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "teams.Assignment"

    team = factory.SubFactory(TeamFactory)
    lesson = factory.SubFactory(LessonFactory)
    due_date = factory.LazyFunction(in_two_weeks)
    minimum_verdict = ""


class GroupMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "sso.GroupMapping"

    claim_value = factory.Sequence(lambda n: f"group-{n}")
    team = factory.SubFactory(TeamFactory)
    role = "member"


class IdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "sso.Identity"

    user = factory.SubFactory(UserFactory)
    issuer = "https://idp.example.com"
    subject = factory.Sequence(lambda n: f"subject-{n}")


class FlashcardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = content.Flashcard

    lesson = factory.SubFactory(LessonFactory)
    order = factory.Sequence(lambda n: n + 1)
    front = factory.Sequence(lambda n: f"Front of card {n}")
    back = "The back of the card."


class CommitFactory(factory.django.DjangoModelFactory):
    """A learner's answer to a myth (the one kind that needs no options or attempt)."""

    class Meta:
        model = "quizzes.Commit"

    learner = factory.SubFactory(LearnerFactory)
    myth = factory.SubFactory(MythFactory)
    lesson = factory.SelfAttribute("myth.lesson")
    kind = "myth"
    answer = "no"
    answer_text = "No"
    correct = factory.LazyAttribute(lambda c: (c.answer == "yes") == c.myth.true_answer)


class LessonProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "quizzes.LessonProgress"

    learner = factory.SubFactory(LearnerFactory)
    lesson = factory.SubFactory(LessonFactory)


class CardScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "quizzes.CardSchedule"

    learner = factory.SubFactory(LearnerFactory)
    lesson = factory.SubFactory(LessonFactory)
    card_key = factory.Sequence(lambda n: f"card-{n}")
    fsrs = factory.LazyFunction(lambda: {"state": 2, "stability": 3.0, "difficulty": 5.0})
    due = factory.LazyFunction(timezone.now)
    reviews = 1
    last_rating = 3
    last_review = factory.LazyFunction(timezone.now)


class HintRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "quizzes.HintRequest"

    attempt = factory.SubFactory(AttemptFactory)
    question = factory.SubFactory(QuestionFactory, lesson=factory.SelfAttribute("..attempt.lesson"))


class StepReadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "quizzes.StepRead"

    learner = factory.SubFactory(LearnerFactory)
    step = factory.SubFactory(StepFactory)
