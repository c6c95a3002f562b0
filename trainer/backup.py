"""Export and restore every learner record as one JSON document.

What is in it: accounts (with their password hashes, groups and permissions), the groups
themselves, every row of the apps that hold records: ``quizzes`` (learners, commits,
attempts, hints, progress, flashcard schedules), ``teams`` (teams, memberships,
assignments, reminders sent), ``sso`` (which identity-provider account is which user,
group mappings, and which memberships the directory made), ``certificates`` (issued and
revoked), ``audit`` and ``xapi`` (the learning records queued for the LRS, sent or not);
second-factor devices and recovery codes (so a restored staff account is not open to
enrol a new device with its password); staff set-up links, login lockouts and failure
counts (``axes``, per-account lockouts); the admin's change log; and the edit history of
lesson content. What is not: lesson content itself (it has its own format,
``export_lesson``, and is loaded from its files with ``load_lessons``) and sessions
(everyone signs in again).

The document holds secrets (password hashes, authenticator keys, recovery codes): the
command writes it readable by its owner only.

Lesson history is restored in place of the history the database holds (a fresh
``load_lessons`` writes one version of its own; the backup's versions are the real past).

Records point at lesson content by primary key. The document lists the lessons it refers
to (primary key and slug); a restore checks each one is there with the same slug, so
records are never attached to different content.

The document is deterministic (rows in primary-key order, no timestamp of its own):
exporting, restoring and exporting again gives the same text.
"""

import datetime
import json
from collections.abc import Iterable

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, transaction

from trainer.audit.recorder import audit_suspended

FORMAT = "pattern-trainer-records"
VERSION = 2
# Version 1 had no devices, lockouts, admin log or lesson history; it restores without them.
READABLE_VERSIONS = (1, 2)
# ``xapi``: the learning records still to be sent to the LRS come back with a restore, so
# none is lost; those already sent come back marked sent, and one sent after the backup
# goes again under its own id, which the LRS stores once.
RECORD_APPS = ("quizzes", "teams", "sso", "certificates", "audit", "xapi")
# In key order: a row comes after the rows it points at.
RECORD_MODELS = (
    "otp_totp.totpdevice",
    "otp_static.staticdevice",
    "otp_static.statictoken",
    "security.accountlockout",
    "security.enrolmentgrant",
    "axes.accessattempt",
    "axes.accessattemptexpiration",
    "axes.accessfailurelog",
    "axes.accesslog",
    "admin.logentry",
)
# Logs and lockouts a database keeps of itself (an administrator signing in to a fresh
# one writes some): the backup's replace them, without --replace, rather than block it.
OPERATIONAL_MODELS = frozenset(
    {
        "security.accountlockout",
        "axes.accessattempt",
        "axes.accessattemptexpiration",
        "axes.accessfailurelog",
        "axes.accesslog",
        "admin.logentry",
    }
)
HISTORY_APP = "lessons"


class RestoreError(Exception):
    """The document cannot be restored here; nothing was written."""


class _Encoder(DjangoJSONEncoder):
    # DjangoJSONEncoder cuts microseconds to milliseconds; a backup keeps them all.
    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def record_models() -> list:
    """The record-holding models, users first, in an order that respects their keys."""
    models = []
    for label in RECORD_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        models.extend(config.get_models())
    models.extend(apps.get_model(label) for label in RECORD_MODELS)
    return [get_user_model(), *models]


def history_models() -> list:
    """django-simple-history's tables for lesson content, each before its m2m tables."""
    return [
        model
        for model in apps.get_app_config(HISTORY_APP).get_models()
        if model._meta.model_name.startswith("historical")
    ]


def _natural(model) -> bool:
    # Users hold groups and permissions, the admin log content types: both are named by
    # natural key, since their ids differ between databases.
    return model is get_user_model() or model._meta.label_lower == "admin.logentry"


def _rows(model) -> list[dict]:
    queryset = model._base_manager.order_by("pk")
    natural = _natural(model)
    rows = serializers.serialize(
        "python", queryset, use_natural_foreign_keys=natural, use_natural_primary_keys=False
    )
    return [{"pk": row["pk"], "fields": row["fields"]} for row in rows]


def _groups() -> list[dict]:
    from django.contrib.auth.models import Group

    rows = serializers.serialize(
        "python",
        Group.objects.order_by("name").prefetch_related("permissions__content_type"),
        use_natural_foreign_keys=True,
        use_natural_primary_keys=True,
    )
    return [{"fields": row["fields"]} for row in rows]


def _lessons_referred(models: dict[str, list[dict]]) -> dict[str, str]:
    from lessons.models import Lesson

    ids = {
        row["fields"]["lesson"]
        for rows in models.values()
        for row in rows
        if row["fields"].get("lesson") is not None
    }
    slugs = dict(Lesson.objects.filter(pk__in=ids).values_list("pk", "slug"))
    return {str(pk): slugs[pk] for pk in sorted(ids)}


def records_export() -> str:
    """Every record as one JSON document (see the module docstring)."""
    with transaction.atomic():  # one consistent snapshot where the database offers it
        models = {model._meta.label_lower: _rows(model) for model in record_models()}
        document = {
            "format": FORMAT,
            "version": VERSION,
            "lessons": _lessons_referred(models),
            "groups": _groups(),
            "models": models,
            "history": {model._meta.label_lower: _rows(model) for model in history_models()},
        }
    return json.dumps(document, cls=_Encoder, ensure_ascii=False, indent=1) + "\n"


def _parse(text: str) -> dict:
    try:
        document = json.loads(text)
    except ValueError as error:
        raise RestoreError(f"Not a JSON document: {error}") from error
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise RestoreError(f"Not a {FORMAT} document.")
    if document.get("version") not in READABLE_VERSIONS:
        raise RestoreError(
            f"Version {document.get('version')!r} is not supported "
            f"(only {', '.join(map(str, READABLE_VERSIONS))})."
        )
    document.setdefault("history", {})
    for key, kind in (("lessons", dict), ("groups", list), ("models", dict), ("history", dict)):
        if not isinstance(document.get(key), kind):
            raise RestoreError(f"The document's {key!r} is missing or malformed.")
    return document


def _check_lessons(lessons: dict) -> None:
    from lessons.models import Lesson

    here = {str(pk): slug for pk, slug in Lesson.objects.values_list("pk", "slug")}
    wrong = [f"{slug} (#{pk})" for pk, slug in lessons.items() if here.get(pk) != slug]
    if wrong:
        raise RestoreError(
            "These records refer to lessons this database does not have, or has under "
            f"another id: {', '.join(wrong)}. Load the same lesson content first."
        )


def _objects(label: str, rows: Iterable[dict], *, natural_pk=False):
    payload = [{"model": label, **({} if natural_pk else {"pk": r.get("pk")}), **r} for r in rows]
    return serializers.deserialize("python", payload, handle_forward_references=False)


def _held_records() -> list:
    """The models whose rows a restore will not mix with (see ``records_restore``)."""
    return [m for m in record_models()[1:] if m._meta.label_lower not in OPERATIONAL_MODELS]


def records_exist() -> bool:
    return any(m._base_manager.exists() for m in _held_records())


def records_restore(text: str, *, replace: bool = False) -> dict[str, int]:
    """Restore a document written by ``records_export``; return rows written per model.

    Accounts are written over those with the same id. Records (and second-factor
    devices) are only restored into a database that has none, unless ``replace``: then
    the existing ones are deleted first, in the same transaction. The login logs,
    lockouts and admin log, and the lesson history, are replaced by the backup's. Any
    error leaves the database as it was.
    """
    document = _parse(text)
    known = {m._meta.label_lower: m for m in record_models()}
    history = {m._meta.label_lower: m for m in history_models()}
    unknown = sorted(
        (set(document["models"]) - set(known)) | (set(document["history"]) - set(history))
    )
    if unknown:
        raise RestoreError(f"This installation has no models {', '.join(unknown)}.")
    counts = {}
    try:
        with transaction.atomic(), audit_suspended():
            _check_lessons(document["lessons"])
            if records_exist():
                if not replace:
                    raise RestoreError(
                        "This database already holds learner records; "
                        "use --replace to delete them and restore the backup."
                    )
                for model in reversed(_held_records()):
                    model._base_manager.all().delete()
            if document["version"] >= 2:  # a version 1 document has none of these
                for model in reversed(record_models()[1:]):
                    if model._meta.label_lower in OPERATIONAL_MODELS:
                        model._base_manager.all().delete()
            for obj in _objects("auth.group", document["groups"], natural_pk=True):
                obj.save()
            for label in known:
                rows = document["models"].get(label, [])
                for obj in _objects(label, rows):
                    obj.save()
                counts[label] = len(rows)
            if document["history"]:
                for model in reversed(history.values()):
                    model._base_manager.all().delete()
                for label in history:
                    rows = document["history"].get(label, [])
                    for obj in _objects(label, rows):
                        obj.save()
                    counts[label] = len(rows)
            written = [*known.values(), *history.values()]
            # Foreign keys are checked at commit; check now, so the error is ours to report.
            connection.check_constraints(table_names=[m._meta.db_table for m in written])
            _reset_sequences(written)
    except (DeserializationError, DatabaseError, LookupError, TypeError, ValueError) as error:
        raise RestoreError(f"The backup could not be restored: {error}") from error
    return counts


def _reset_sequences(models) -> None:
    # Rows came with their ids; PostgreSQL's sequences must move past them.
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
