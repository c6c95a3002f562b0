"""Every write a learner causes goes through here: atomic, validated, safe to repeat."""

import random
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from lessons.cache import lesson_outline
from lessons.models import Lesson, Question, QuestionKind

from . import scoring, signals, sql
from .errors import CommitRefused, NotAnOption, NotFound, NotInAttempt, NotOpen
from .items import ITEM_TYPES
from .models import (
    Attempt,
    Commit,
    HintRequest,
    ItemKind,
    Learner,
    LessonProgress,
    StepRead,
)

TEST_SIZE = 10
# How long a browser's first commits can find the learner the first of them made: far
# beyond any wait for a lock (SQLite's busy timeout is 20 s), and short, so that after it
# the session alone says who a visitor is.
BROWSER_KEY_LIFETIME = timedelta(minutes=5)


def commit_record(*, learner: Learner, kind: str, item, answer: str, attempt=None):
    """Record the learner's first answer to ``item``; return ``(commit, created)``.

    A second commit to the same item records nothing and returns the first one. Under
    the learner's lock, one read of their commits on the lesson says whether the item is
    answered and, with the new commit, what their progress is.
    """
    item_type = ITEM_TYPES[kind]
    column = item_type.column
    if not item_type.offers(item, answer):
        raise NotAnOption("That answer is not one of this item's options.")
    if item_type.in_attempt:
        if attempt is None or attempt.learner_id != learner.pk:
            raise NotFound("This question is answered within an attempt.")
        if item.pk not in attempt.question_ids:
            raise NotInAttempt("That question is not part of this attempt.")

    def same_item(row: sql.CommitRow) -> bool:
        return (
            row.kind == item_type.column
            and getattr(row, f"{item_type.column}_id") == item.pk
            and (attempt is None or row.attempt_id == attempt.pk)
        )

    try:
        with transaction.atomic():
            sql.learner_lock(learner.pk)
            rows = sql.commit_rows(learner.pk, item.lesson_id)
            existing = next((row for row in rows if same_item(row)), None)
            if existing:
                return Commit.objects.get(pk=existing.id), False
            if attempt is not None:
                attempt.refresh_from_db(fields=["finished_at"])
                if attempt.is_finished:
                    raise NotOpen("This attempt is already finished.")
            label = next(o.label for o in item_type.options(item) if o.key == answer)
            commit = sql.commit_insert(
                learner_id=learner.pk,
                lesson_id=item.lesson_id,
                attempt_id=attempt.pk if attempt else None,
                kind=item_type.column,
                **{
                    f"{other}_id": item.pk if other == item_type.column else None
                    for other in ItemKind
                },
                answer=answer,
                answer_text=label,
                correct=item_type.is_correct(item, answer),
            )
            # Listeners read the learner, lesson and item from the commit without a query.
            commit.learner, commit.lesson = learner, item.lesson
            setattr(commit, item_type.column, item)
            rows.append(sql.CommitRow.of(commit))
            signals.send_on_commit(signals.commit_recorded, commit=commit)
            if attempt is not None:
                answered = sum(1 for row in rows if row.attempt_id == attempt.pk)
                if answered >= len(attempt.question_ids):
                    _finish(attempt)
            progress_refresh(
                learner=learner, lesson=item.lesson, rows=rows, attempts=attempt is not None
            )
    except IntegrityError:
        # Only a writer that skipped the lock could have answered first; its answer stands.
        filters = {column: item, "attempt": attempt} if attempt else {column: item}
        return Commit.objects.get(learner=learner, kind=column, **filters), False
    return commit, True


def attempt_open(*, learner: Learner, lesson: Lesson, kind: str, rng=None) -> Attempt:
    """The learner's unfinished attempt at the lesson's set of ``kind``, started if none.

    A practice attempt asks every practice question in lesson order. A pattern test draws
    ten questions balanced across difficulties, in a shuffled order with shuffled choices.
    """
    attempt = Attempt.objects.filter(
        learner=learner, lesson=lesson, kind=kind, finished_at=None
    ).first()
    if attempt:
        return attempt
    with transaction.atomic():
        sql.learner_lock(learner.pk)
        attempt = Attempt.objects.filter(
            learner=learner, lesson=lesson, kind=kind, finished_at=None
        ).first()
        if attempt:
            return attempt
        last = Attempt.objects.filter(learner=learner, lesson=lesson, kind=kind).aggregate(
            n=Max("number")
        )["n"]
        questions = lesson.questions.filter(kind=kind).order_by("order", "pk")
        choice_orders = {}
        if kind == QuestionKind.TEST:
            rng = rng or random.SystemRandom()
            pool = {}
            for pk, difficulty in questions.values_list("pk", "difficulty"):
                pool.setdefault(difficulty, []).append(pk)
            question_ids = scoring.draw(pool, TEST_SIZE, rng)
            for question in Question.objects.filter(pk__in=question_ids).prefetch_related(
                "choices"
            ):
                order = [c.pk for c in question.choices.all()]
                rng.shuffle(order)
                choice_orders[str(question.pk)] = order
        else:
            question_ids = list(questions.values_list("pk", flat=True))
        return Attempt.objects.create(
            learner=learner,
            lesson=lesson,
            kind=kind,
            number=(last or 0) + 1,
            question_ids=question_ids,
            choice_orders=choice_orders,
        )


def attempt_current(*, learner: Learner, lesson: Lesson, kind: str) -> Attempt:
    """The learner's latest attempt at the lesson's set of ``kind``, finished or not.

    The first one is opened when there is none; after that only ``attempt_restart``
    opens another, so answering a finished attempt is refused instead of quietly
    starting a new one.
    """
    latest = (
        Attempt.objects.filter(learner=learner, lesson=lesson, kind=kind)
        .order_by("-number")
        .first()
    )
    return latest or attempt_open(learner=learner, lesson=lesson, kind=kind)


def attempt_restart(*, learner: Learner, lesson: Lesson, kind: str) -> Attempt:
    """Close the open attempt (unanswered questions count as wrong) and start another."""
    with transaction.atomic():
        sql.learner_lock(learner.pk)
        for attempt in Attempt.objects.filter(
            learner=learner, lesson=lesson, kind=kind, finished_at=None
        ):
            _finish(attempt)
        progress_refresh(learner=learner, lesson=lesson)
    return attempt_open(learner=learner, lesson=lesson, kind=kind)


def attempt_finish(*, learner: Learner, attempt: Attempt) -> Attempt:
    """Finish the attempt now (unanswered questions count as wrong); safe to repeat."""
    if attempt.learner_id != learner.pk:
        raise NotFound("That is not your attempt.")
    with transaction.atomic():
        sql.learner_lock(learner.pk)
        attempt.refresh_from_db()
        if not attempt.is_finished:
            _finish(attempt)
            progress_refresh(learner=learner, lesson=attempt.lesson)
    return attempt


def _finish(attempt: Attempt) -> None:
    answers = dict(attempt.commits.values_list("question_id", "correct"))
    attempt.finished_at = timezone.now()
    attempt.score = scoring.attempt_score(list(answers.values()))
    attempt.total = len(attempt.question_ids)
    if attempt.kind == QuestionKind.TEST:
        difficulties = dict(
            Question.objects.filter(pk__in=attempt.question_ids).values_list("pk", "difficulty")
        )
        attempt.verdict = scoring.verdict(
            [(difficulties[pk], answers.get(pk, False)) for pk in attempt.question_ids]
        )
    attempt.save(update_fields=["finished_at", "score", "total", "verdict"])
    signals.send_on_commit(signals.attempt_finished, attempt=attempt)


def hint_reveal(*, learner: Learner, attempt: Attempt, question: Question) -> HintRequest:
    """Record that the learner asked for a question's hint in this attempt."""
    if attempt.learner_id != learner.pk or question.pk not in attempt.question_ids:
        raise NotFound("That question is not part of your attempt.")
    if attempt.is_finished:
        raise NotOpen("This attempt is already finished.")
    hint, _ = HintRequest.objects.get_or_create(attempt=attempt, question=question)
    return hint


def progress_refresh(
    *, learner: Learner, lesson: Lesson, rows: list[sql.CommitRow] | None = None, attempts=True
) -> None:
    """Recompute the learner's summary for the lesson from their commits and attempts.

    The caller holds the learner's lock. ``rows`` are their commits on the lesson when
    already read; ``attempts=False`` says no attempt changed, so the attempts' figures are
    left as they are. The lesson's content comes from its cache, so a commit outside an
    attempt costs two queries here (its commits, one UPDATE) and any refresh at most four.
    """
    if rows is None:
        rows = sql.commit_rows(learner.pk, lesson.pk)
    figures = _commit_figures(lesson_outline(lesson), rows)
    if attempts:
        figures.update(_attempt_figures(learner, lesson))
    complete = figures["percent"] == 100
    completed_now = sql.progress_update(learner.pk, lesson.pk, figures, complete=complete)
    if completed_now is None:
        if not attempts:
            figures.update(_attempt_figures(learner, lesson))
        LessonProgress.objects.create(
            learner=learner,
            lesson=lesson,
            completed_at=timezone.now() if complete else None,
            **figures,
        )
        completed_now = complete
    if completed_now:
        signals.send_on_commit(signals.lesson_completed, learner=learner, lesson=lesson)


def _commit_figures(outline: dict, rows: list[sql.CommitRow]) -> dict:
    """The progress figures that follow from the learner's commits on the lesson."""
    prediction_steps, myths = outline["prediction_steps"], outline["myths"]
    practice_questions = outline["practice_questions"]
    done_steps = {row.step_id for row in rows if row.kind == ItemKind.STEP}
    myth_rows = {row.myth_id: row.correct for row in rows if row.kind == ItemKind.MYTH}
    practiced = {row.question_id for row in rows if row.question_id in practice_questions}
    checkpoints = scoring.Checkpoints(
        predictions_done=len(done_steps),
        predictions_total=len(prediction_steps),
        myths_done=len(myth_rows),
        myths_total=len(myths),
        practice_done=len(practiced),
        practice_total=len(practice_questions),
    )
    started_at = min((row.created_at for row in rows), default=None)
    return {
        "predictions_done": checkpoints.predictions_done,
        "predictions_total": checkpoints.predictions_total,
        "myths_done": checkpoints.myths_done,
        "myths_correct": sum(myth_rows.values()),
        "myths_total": checkpoints.myths_total,
        "practice_done": checkpoints.practice_done,
        "practice_total": checkpoints.practice_total,
        "percent": scoring.percent_complete(checkpoints, started=started_at is not None),
        "resume_anchor": scoring.resume_anchor(
            open_steps=[n for pk, n in prediction_steps if pk not in done_steps],
            open_myths=[n for pk, n in myths if pk not in myth_rows],
            practice_left=checkpoints.practice_done < checkpoints.practice_total,
        ),
        "started_at": started_at,
    }


def _attempt_figures(learner: Learner, lesson: Lesson) -> dict:
    """The practice and pattern-test figures, from the learner's attempts at the lesson."""
    attempts = list(
        Attempt.objects.filter(learner=learner, lesson=lesson).annotate(
            right=Count("commits", filter=Q(commits__correct=True))
        )
    )
    practice = [a for a in attempts if a.kind == QuestionKind.PRACTICE]
    latest = max(practice, key=lambda a: a.number, default=None)
    tests = sorted(
        (a for a in attempts if a.kind == QuestionKind.TEST and a.finished_at is not None),
        key=lambda a: a.finished_at,
        reverse=True,
    )
    return {
        "practice_score": latest.right if latest else None,
        "practice_best": max((a.right for a in practice), default=None),
        "test_attempts": len(tests),
        "test_latest_score": tests[0].score if tests else None,
        "test_latest_total": tests[0].total if tests else None,
        "test_latest_verdict": tests[0].verdict if tests else "",
        "test_best_verdict": scoring.best_verdict([t.verdict for t in tests]),
    }


def learner_start(*, browser_key: str | None) -> Learner:
    """The anonymous learner a visitor's first commit makes, one per browser however
    many first commits it sends at once.

    A browser that has read a page holds the CSRF cookie it set, and sends it with each
    commit, while its session is only made by the first commit's answer. So first
    commits sent together arrive without a session, and each would make a learner of its
    own; the session cookie the browser keeps then names only one, and the answers
    recorded for the others are lost. Instead the learner is keyed on the browser:
    ``browser_key`` (a keyed hash of the CSRF secret, made by quizzes.learners) is
    unique, so of several first commits one inserts the learner and the others, refused
    by the constraint, find it (PostgreSQL makes them wait for the first to commit;
    SQLite runs one writer at a time). Every session those answers make points at it.

    The key finds the learner only for ``BROWSER_KEY_LIFETIME`` after it was made; after
    that the session is the one credential, and the key is freed for a new learner of
    the same browser (whose session ended, say). Without a key (no CSRF cookie, as in
    tests that skip CSRF) each call makes a learner of its own.
    """
    if not browser_key:
        return Learner.objects.create()
    for _ in range(2):
        try:
            with transaction.atomic():
                return Learner.objects.create(browser_key=browser_key)
        except IntegrityError:
            fresh_since = timezone.now() - BROWSER_KEY_LIFETIME
            holders = Learner.objects.filter(browser_key=browser_key)
            found = holders.filter(user=None, created_at__gte=fresh_since).first()
            if found is not None:
                return found
            # Only a learner the key no longer finds lets go of it: a fresh one that a
            # parallel first commit has just made keeps it.
            holders.exclude(user=None, created_at__gte=fresh_since).update(browser_key=None)
    # The key's holder vanished between the insert and the read (merged at a login).
    return Learner.objects.create()


@transaction.atomic
def learner_merge(*, source: Learner, target: Learner) -> None:
    """Carry an anonymous learner's record into an account's learner.

    Where both answered the same item, the account's answer stands (a first answer is
    final); everything else moves over. Attempts move too, numbered after the account's
    own, and an open attempt is closed if the account already has one of its kind.
    """
    if source.pk == target.pk:
        return
    sql.learner_lock(target.pk)
    sql.learner_lock(source.pk)
    lessons = set(source.commits.values_list("lesson_id", flat=True)) | set(
        source.attempts.values_list("lesson_id", flat=True)
    )
    for kind in (ItemKind.STEP, ItemKind.MYTH, ItemKind.PITFALL):
        taken = target.commits.filter(kind=kind).values_list(f"{kind}_id", flat=True)
        source.commits.filter(kind=kind).exclude(**{f"{kind}_id__in": taken}).update(learner=target)
    for attempt in source.attempts.order_by("started_at"):
        siblings = Attempt.objects.filter(
            learner=target, lesson=attempt.lesson_id, kind=attempt.kind
        )
        if attempt.finished_at is None and siblings.filter(finished_at=None).exists():
            _finish(attempt)
        attempt.number = (siblings.aggregate(n=Max("number"))["n"] or 0) + 1
        attempt.learner = target
        attempt.save(update_fields=["number", "learner"])
        attempt.commits.update(learner=target)
    taken = target.steps_read.values_list("step_id", flat=True)
    source.steps_read.exclude(step_id__in=taken).update(learner=target)
    taken = target.cards.values_list("card_key", flat=True)
    source.cards.exclude(card_key__in=taken).update(learner=target)
    source.card_reviews.update(learner=target)
    source.delete()
    for lesson in Lesson.objects.filter(pk__in=lessons):
        progress_refresh(learner=target, lesson=lesson)


def step_mark_read(*, learner: Learner, step) -> StepRead:
    """Mark a step without a prediction as read (step-by-step mode); safe to repeat."""
    if step.has_prediction:
        raise CommitRefused("A step with a prediction opens when the prediction is committed.")
    read, _ = StepRead.objects.get_or_create(learner=learner, step=step)
    return read


def mode_remember(*, learner: Learner | None, lesson: Lesson, mode: str) -> None:
    """Keep the learner's last mode on a lesson they have started (for the catalog link)."""
    if learner is not None:
        LessonProgress.objects.filter(learner=learner, lesson=lesson).exclude(
            last_mode=mode
        ).update(last_mode=mode)
