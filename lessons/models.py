"""Lesson content: everything a lesson shows, as rows an instructor can edit.

Nothing here knows about learners. Text fields hold Markdown (rendered through an
allow-list sanitizer on display); diagram fields hold preformatted text kept byte for byte.
"""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords


class Level(models.TextChoices):
    FOUNDATION = "foundation", "Foundation"
    INTERMEDIATE = "intermediate", "Intermediate"
    ADVANCED = "advanced", "Advanced"
    EXPERT = "expert", "Expert"


class Difficulty(models.TextChoices):
    EASY = "easy", "Easy"
    MEDIUM = "medium", "Medium"
    HARD = "hard", "Hard"


class LessonQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)

    def visible_to(self, user):
        """Learners see published lessons; staff who may view lessons also see drafts."""
        if user.is_authenticated and user.is_staff and user.has_perm("lessons.view_lesson"):
            return self.all()
        return self.published()

    def with_content(self):
        """Everything a lesson page shows, in a fixed number of queries."""
        return self.prefetch_related(
            "prerequisites",
            "next_lessons",
            "steps__options",
            "myths",
            "nuances",
            "takeaways",
            "connections",
            "pitfalls",
            models.Prefetch(
                "questions",
                queryset=Question.objects.filter(kind=QuestionKind.PRACTICE),
                to_attr="practice_questions",
            ),
            "practice_questions__choices",
            "practice_questions__solution",
            "flashcards",
        )


class Lesson(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    subtitle = models.CharField(max_length=100, blank=True)
    category = models.CharField(max_length=100, help_text='For example "AWS · cloud".')
    # Kept so older lesson files load and export unchanged; never shown. Pages show the
    # minutes computed from the content (lessons.modes.deep_dive_minutes).
    estimated_minutes = models.PositiveSmallIntegerField(default=15)
    published = models.BooleanField(default=False)

    what_is_it = models.TextField("What is it?", blank=True)
    why_it_matters = models.TextField("Why it matters", blank=True)
    where_it_fits = models.TextField("Where it fits", blank=True)
    prerequisites = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="unlocks"
    )
    next_lessons = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="follows"
    )

    core_idea = models.TextField(blank=True)
    analogy = models.TextField("Think of it like", blank=True)
    diagram = models.TextField("Mental model diagram", blank=True)

    how_it_works = models.TextField(blank=True)
    why_designed = models.TextField("Why designed this way", blank=True)
    internals_diagram = models.TextField("Under the hood diagram", blank=True)

    when_not_to_use = models.TextField("When NOT to use", blank=True)
    production_patterns = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LessonQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[prerequisites, next_lessons])

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.full_title

    def get_absolute_url(self):
        return reverse("trainer:lesson", kwargs={"slug": self.slug})

    @property
    def full_title(self):
        return f"{self.title} - {self.subtitle}" if self.subtitle else self.title


class OrderedQuerySet(models.QuerySet):
    def renumber(self):
        """Number the rows 1, 2, 3... keeping their order: the page shows these numbers."""
        for position, row in enumerate(self.order_by("order", "pk"), start=1):
            if row.order != position:
                row.order = position
                row.save(update_fields=["order"])


class Ordered(models.Model):
    """A row that belongs to a lesson part in an explicit, author-chosen order."""

    order = models.PositiveSmallIntegerField(default=0)

    objects = OrderedQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["order", "pk"]


class Step(Ordered):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="steps")
    level = models.CharField(max_length=20, choices=Level.choices, default=Level.FOUNDATION)
    title = models.CharField(max_length=200)
    concept = models.TextField()
    body = models.TextField()
    result = models.TextField(blank=True)
    insight = models.TextField("Key insight", blank=True)
    prediction_prompt = models.TextField(
        blank=True,
        help_text="Optional. Asked before the rest of the step is revealed.",
    )

    history = HistoricalRecords()

    def __str__(self):
        return f"Step {self.number}: {self.title}"

    @property
    def number(self):
        return self.order

    @property
    def has_prediction(self):
        return bool(self.prediction_prompt)


class PredictionOption(Ordered):
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(max_length=300)
    is_expected = models.BooleanField(default=False)

    history = HistoricalRecords()

    class Meta(Ordered.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["step"], condition=Q(is_expected=True), name="one_expected_option"
            ),
        ]

    def __str__(self):
        return self.text


class Myth(Ordered):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="myths")
    question = models.CharField("Quick question", max_length=300)
    belief = models.TextField("Common belief")
    reality = models.TextField()
    why_it_matters = models.TextField()
    true_answer = models.BooleanField(help_text="The correct answer to the quick question.")

    history = HistoricalRecords()

    def __str__(self):
        return self.question


class Nuance(Ordered):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="nuances")
    text = models.TextField()

    history = HistoricalRecords()

    def __str__(self):
        return self.text[:80]


class Connection(Ordered):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="connections")
    field = models.CharField("Other field", max_length=200)
    relation = models.TextField("How they relate")
    insight = models.TextField()

    history = HistoricalRecords()

    def __str__(self):
        return self.field


class Pitfall(Ordered):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="pitfalls")
    title = models.CharField(max_length=300)
    wrong = models.TextField("Wrong approach")
    correct = models.TextField("Correct approach")
    root_cause = models.TextField()

    history = HistoricalRecords()

    def __str__(self):
        return self.title


class Takeaway(Ordered):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="takeaways")
    text = models.TextField()

    history = HistoricalRecords()

    def __str__(self):
        return self.text[:80]


class QuestionKind(models.TextChoices):
    PRACTICE = "practice", "Practice"
    TEST = "test", "Pattern test"


class Question(Ordered):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    difficulty = models.CharField(max_length=10, choices=Difficulty.choices)
    stem = models.TextField()
    hint = models.TextField(blank=True)
    final_answer = models.TextField(blank=True)
    quick_check = models.TextField(blank=True)
    common_mistakes = models.TextField(blank=True, help_text="One mistake per line.")
    teaches_step = models.ForeignKey(
        Step, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    teaches_myth = models.ForeignKey(
        Myth, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    teaches_pitfall = models.ForeignKey(
        Pitfall, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    def __str__(self):
        return f"{self.get_kind_display()} {self.order}: {self.stem[:60]}"

    @property
    def mistakes(self):
        return [line.strip() for line in self.common_mistakes.splitlines() if line.strip()]


class Choice(Ordered):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.TextField()
    is_correct = models.BooleanField(default=False)

    history = HistoricalRecords()

    class Meta(Ordered.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["question"], condition=Q(is_correct=True), name="one_correct_choice"
            ),
        ]

    def __str__(self):
        return self.text[:80]

    @property
    def letter(self):
        return "ABCDEFGHIJ"[self.order - 1] if 1 <= self.order <= 10 else str(self.order)


class SolutionStep(Ordered):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="solution")
    title = models.CharField(max_length=200)
    text = models.TextField()

    history = HistoricalRecords()

    def __str__(self):
        return self.title


class Flashcard(Ordered):
    """A card an instructor adds to a lesson's deck, beside those drawn from its content."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="flashcards")
    front = models.TextField()
    back = models.TextField()

    history = HistoricalRecords()

    def __str__(self):
        return self.front[:80]
