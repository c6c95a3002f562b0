"""What learners commit to, and what is derived from it.

Every commit-then-reveal is one act: a learner commits once to one item (a step's
prediction, a myth, a practice or test question, a pitfall pick) and the server records it
before revealing anything. ``Commit`` is that record for every kind of item. Database
constraints make a second commit to the same item impossible, however the requests race.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from lessons.models import Lesson, Myth, Pitfall, Question, QuestionKind, Step


class Learner(models.Model):
    """Whoever commits: an account, or an anonymous visitor known by their session.

    ``browser_key`` ties a new anonymous learner to the browser whose first commits made
    it (a keyed hash of that browser's CSRF secret, never the secret itself), so that
    first commits sent at once all find the one learner (see quizzes.services.learner_start).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="learner",
    )
    browser_key = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.user.get_username() if self.user_id else f"Anonymous learner {self.pk}"


class Verdict(models.TextChoices):
    """How strong the pattern is, from a finished pattern test (rule in quizzes.scoring)."""

    STRONG = "strong", "Strong"
    ALMOST = "almost", "Almost there"
    NEEDS_WORK = "needs-work", "Needs work"


class Attempt(models.Model):
    """One run through a lesson's practice or test set; retaking starts a new one."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="attempts")
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="attempts")
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    number = models.PositiveIntegerField()
    question_ids = models.JSONField(default=list)
    choice_orders = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    total = models.PositiveSmallIntegerField(null=True, blank=True)
    verdict = models.CharField(max_length=20, choices=Verdict.choices, blank=True)

    class Meta:
        ordering = ["lesson", "kind", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "lesson", "kind", "number"], name="attempt_unique_number"
            ),
            models.UniqueConstraint(
                fields=["learner", "lesson", "kind"],
                condition=Q(finished_at__isnull=True),
                name="one_open_attempt",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} attempt {self.number} on {self.lesson}"

    @property
    def is_finished(self):
        return self.finished_at is not None


class ItemKind(models.TextChoices):
    STEP = "step", "Prediction"
    MYTH = "myth", "Myth"
    QUESTION = "question", "Question"
    PITFALL = "pitfall", "Pitfall"


class Commit(models.Model):
    """A learner's one answer to one item; final once written.

    ``answer`` is the chosen option's key and ``answer_text`` and ``correct`` are snapshots
    taken when the commit was made, so later edits to the lesson never rewrite history.
    """

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="commits")
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="+")
    attempt = models.ForeignKey(
        Attempt, null=True, blank=True, on_delete=models.CASCADE, related_name="commits"
    )
    kind = models.CharField(max_length=10, choices=ItemKind.choices)
    step = models.ForeignKey(Step, null=True, blank=True, on_delete=models.PROTECT)
    myth = models.ForeignKey(Myth, null=True, blank=True, on_delete=models.PROTECT)
    question = models.ForeignKey(Question, null=True, blank=True, on_delete=models.PROTECT)
    pitfall = models.ForeignKey(Pitfall, null=True, blank=True, on_delete=models.PROTECT)
    answer = models.CharField(max_length=32)
    answer_text = models.TextField()
    correct = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="step", step__isnull=False, myth=None, question=None, pitfall=None)
                    | Q(kind="myth", myth__isnull=False, step=None, question=None, pitfall=None)
                    | Q(
                        kind="question",
                        question__isnull=False,
                        attempt__isnull=False,
                        step=None,
                        myth=None,
                        pitfall=None,
                    )
                    | Q(kind="pitfall", pitfall__isnull=False, step=None, myth=None, question=None)
                ),
                name="commit_names_one_item",
            ),
            models.UniqueConstraint(
                fields=["learner", "step"], condition=Q(kind="step"), name="one_commit_per_step"
            ),
            models.UniqueConstraint(
                fields=["learner", "myth"], condition=Q(kind="myth"), name="one_commit_per_myth"
            ),
            models.UniqueConstraint(
                fields=["learner", "pitfall"],
                condition=Q(kind="pitfall"),
                name="one_commit_per_pitfall",
            ),
            models.UniqueConstraint(
                fields=["attempt", "question"],
                condition=Q(kind="question"),
                name="one_commit_per_question_per_attempt",
            ),
        ]
        indexes = [models.Index(fields=["learner", "lesson"])]

    def __str__(self):
        return f"{self.learner} → {self.kind} {self.item_id}: {self.answer_text[:40]}"

    @property
    def item_id(self):
        return getattr(self, f"{self.kind}_id")


class HintRequest(models.Model):
    """A learner asked for a question's hint during an attempt (shown in their record)."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="hints")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="one_hint_per_question"),
        ]

    def __str__(self):
        return f"Hint for {self.question_id} in attempt {self.attempt_id}"


class StepRead(models.Model):
    """A step without a prediction, marked read in step-by-step mode (opens the next)."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="steps_read")
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "step"], name="one_read_per_step"),
        ]

    def __str__(self):
        return f"{self.learner} read step {self.step_id}"


class Rating(models.IntegerChoices):
    AGAIN = 1, "Again"
    HARD = 2, "Hard"
    GOOD = 3, "Good"
    EASY = 4, "Easy"


class CardSchedule(models.Model):
    """A learner's spaced-repetition state for one flashcard (FSRS card, as JSON)."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="cards")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="+")
    card_key = models.CharField(max_length=40)
    fsrs = models.JSONField()
    due = models.DateTimeField(db_index=True)
    reviews = models.PositiveIntegerField(default=0)
    last_rating = models.PositiveSmallIntegerField(choices=Rating.choices, null=True)
    last_review = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "card_key"], name="one_schedule_per_card"),
        ]

    def __str__(self):
        return f"{self.learner} · {self.card_key} due {self.due:%Y-%m-%d %H:%M}"


class CardReview(models.Model):
    """One rating of one card: the history the schedule was computed from."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="card_reviews")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="+")
    card_key = models.CharField(max_length=40)
    rating = models.PositiveSmallIntegerField(choices=Rating.choices)
    reviewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["learner", "reviewed_at"])]

    def __str__(self):
        return f"{self.learner} rated {self.card_key} {self.get_rating_display()}"


class LessonProgressQuerySet(models.QuerySet):
    def started(self):
        return self.filter(started_at__isnull=False)


class LessonProgress(models.Model):
    """A summary of a learner's commits on a lesson, rewritten with every commit.

    It is derived data: ``quizzes.services`` recomputes it from the commits in the same
    transaction as each commit, so the two cannot drift apart.
    """

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="progress")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="+")
    predictions_done = models.PositiveSmallIntegerField(default=0)
    predictions_total = models.PositiveSmallIntegerField(default=0)
    myths_done = models.PositiveSmallIntegerField(default=0)
    myths_correct = models.PositiveSmallIntegerField(default=0)
    myths_total = models.PositiveSmallIntegerField(default=0)
    practice_done = models.PositiveSmallIntegerField(default=0)
    practice_total = models.PositiveSmallIntegerField(default=0)
    practice_score = models.PositiveSmallIntegerField(null=True, blank=True)
    practice_best = models.PositiveSmallIntegerField(null=True, blank=True)
    test_attempts = models.PositiveSmallIntegerField(default=0)
    test_latest_score = models.PositiveSmallIntegerField(null=True, blank=True)
    test_latest_total = models.PositiveSmallIntegerField(null=True, blank=True)
    test_latest_verdict = models.CharField(max_length=20, choices=Verdict.choices, blank=True)
    test_best_verdict = models.CharField(max_length=20, choices=Verdict.choices, blank=True)
    percent = models.PositiveSmallIntegerField(default=0)
    resume_anchor = models.CharField(max_length=40, blank=True)
    last_mode = models.CharField(max_length=20, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LessonProgressQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "lesson progress"
        constraints = [
            models.UniqueConstraint(fields=["learner", "lesson"], name="one_progress_per_lesson"),
        ]

    def __str__(self):
        return f"{self.learner} on {self.lesson}: {self.percent}%"

    @property
    def is_complete(self):
        return self.completed_at is not None
