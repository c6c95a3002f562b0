"""xAPI statements for what a learner did: pure functions, no query and no HTTP.

The verb mapping, the IRIs and the extensions are described in docs/xapi.md. Every IRI
starts with ``SITE_URL`` and names its thing by what does not change when content is
edited: the lesson's slug and the item's id.
"""

import uuid
from datetime import UTC, datetime

VERSION = "1.0.3"
PLATFORM = "Pattern Trainer"
ADL_VERB = "http://adlnet.gov/expapi/verbs/"
ADL_ACTIVITY = "http://adlnet.gov/expapi/activities/"

ANSWERED = "answered"
COMPLETED = "completed"
PASSED = "passed"
FAILED = "failed"

# An item's kind (quizzes.models.ItemKind) as named in its IRI and its definition.
ITEM_NAMES = {
    "step": "Prediction",
    "myth": "Myth",
    "question": "Question",
    "pitfall": "Pitfall",
}
ATTEMPT_NAMES = {"practice": "Practice", "test": "Pattern test"}


def iri(site_url: str, *parts) -> str:
    """The IRI of one of this site's activities or extensions."""
    return "/".join([site_url.rstrip("/"), "xapi", *(str(part) for part in parts)])


def actor(*, site_url: str, name: str) -> dict:
    """An account on this site, named as ``XAPI_ACTOR`` chose: no e-mail, no real name."""
    return {"objectType": "Agent", "account": {"homePage": site_url, "name": str(name)}}


def verb(name: str) -> dict:
    return {"id": f"{ADL_VERB}{name}", "display": {"en-US": name}}


def lesson_activity(site_url: str, lesson) -> dict:
    return {
        "objectType": "Activity",
        "id": iri(site_url, "lessons", lesson.slug),
        "definition": {"type": f"{ADL_ACTIVITY}lesson", "name": {"en-US": lesson.title}},
    }


def item_activity(site_url: str, lesson, kind: str, item_id: int) -> dict:
    return {
        "objectType": "Activity",
        "id": iri(site_url, "lessons", lesson.slug, kind, item_id),
        "definition": {
            "type": f"{ADL_ACTIVITY}cmi.interaction",
            "interactionType": "choice",
            "name": {"en-US": f"{ITEM_NAMES[kind]} {item_id} in {lesson.title}"},
        },
    }


def attempt_activity(site_url: str, lesson, kind: str) -> dict:
    return {
        "objectType": "Activity",
        "id": iri(site_url, "lessons", lesson.slug, kind),
        "definition": {
            "type": f"{ADL_ACTIVITY}assessment",
            "name": {"en-US": f"{ATTEMPT_NAMES[kind]} of {lesson.title}"},
        },
    }


def registration(site_url: str, attempt_id: int) -> str:
    """The attempt's registration: a UUID that is the same every time it is computed."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, iri(site_url, "attempts", attempt_id)))


def lesson_version(lesson) -> str:
    """The version of the lesson's content the learner saw: any edit of the lesson or its
    parts moves ``updated_at`` forward (lessons/cache.py)."""
    return _timestamp(lesson.updated_at)


def confidence(commit) -> float | None:
    """The learner's confidence in the commit, where the commit records one."""
    return getattr(commit, "confidence", None)


def answered(*, site_url: str, actor: dict, commit, lesson) -> dict:
    """A learner's commit to an item, and so its reveal: the reveal follows at once and
    always, so the answer's statement records both (docs/xapi.md)."""
    result = {"success": bool(commit.correct), "response": str(commit.answer)}
    result["score"] = {"raw": int(commit.correct), "min": 0, "max": 1}
    if (value := confidence(commit)) is not None:
        result["extensions"] = {iri(site_url, "extensions", "confidence"): value}
    return {
        "actor": actor,
        "verb": verb(ANSWERED),
        "object": item_activity(site_url, lesson, commit.kind, commit.item_id),
        "result": result,
        "context": _context(site_url, lesson, attempt_id=commit.attempt_id),
        "timestamp": _timestamp(commit.created_at),
    }


def attempt_result(*, site_url: str, actor: dict, attempt, lesson) -> dict:
    """A finished practice run (completed) or pattern test (passed at a strong verdict,
    else failed), with its score and, for a test, its verdict."""
    result = {"completion": True}
    if attempt.total:  # xAPI wants max above min: an attempt of no questions has no score
        result["score"] = {
            "raw": attempt.score or 0,
            "min": 0,
            "max": attempt.total,
            "scaled": round((attempt.score or 0) / attempt.total, 4),
        }
    if attempt.kind == "test":
        name = PASSED if attempt.verdict == "strong" else FAILED
        result["success"] = name == PASSED
        result["extensions"] = {iri(site_url, "extensions", "verdict"): attempt.verdict}
    else:
        name = COMPLETED
    return {
        "actor": actor,
        "verb": verb(name),
        "object": attempt_activity(site_url, lesson, attempt.kind),
        "result": result,
        "context": _context(site_url, lesson, attempt_id=attempt.pk),
        "timestamp": _timestamp(attempt.finished_at),
    }


def lesson_completion(*, site_url: str, actor: dict, lesson, completed_at: datetime) -> dict:
    """The learner completed every checkpoint of the lesson."""
    return {
        "actor": actor,
        "verb": verb(COMPLETED),
        "object": lesson_activity(site_url, lesson),
        "result": {"completion": True},
        "context": _context(site_url, lesson, parent=False),
        "timestamp": _timestamp(completed_at),
    }


def _context(site_url: str, lesson, *, attempt_id: int | None = None, parent=True) -> dict:
    context = {
        "platform": PLATFORM,
        "extensions": {iri(site_url, "extensions", "lesson-version"): lesson_version(lesson)},
    }
    if parent:
        context["contextActivities"] = {"parent": [lesson_activity(site_url, lesson)]}
    if attempt_id is not None:
        context["registration"] = registration(site_url, attempt_id)
    return context


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()
