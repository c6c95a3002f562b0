"""Export and restore every learner record as one JSON document.

What is in it: accounts (with their password hashes, groups and permissions), the groups
themselves, and every row of the apps that hold records: ``quizzes`` (learners, commits,
attempts, hints, progress, flashcard schedules), ``teams`` (teams, memberships,
assignments, reminders sent) and ``audit``. What is not: lesson content (it has its own
format, ``export_lesson``, and history), sessions, login-failure counters, and
second-factor devices: their keys are secrets, so after a restore staff set up the
second factor again (the admin stays closed to them until they do).

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
VERSION = 1
RECORD_APPS = ("quizzes", "teams", "audit")


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
    return [get_user_model(), *models]


def _rows(model) -> list[dict]:
    queryset = model._base_manager.order_by("pk")
    natural = model is get_user_model()
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
        }
    return json.dumps(document, cls=_Encoder, ensure_ascii=False, indent=1) + "\n"


def _parse(text: str) -> dict:
    try:
        document = json.loads(text)
    except ValueError as error:
        raise RestoreError(f"Not a JSON document: {error}") from error
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise RestoreError(f"Not a {FORMAT} document.")
    if document.get("version") != VERSION:
        raise RestoreError(
            f"Version {document.get('version')!r} is not supported (only {VERSION})."
        )
    for key, kind in (("lessons", dict), ("groups", list), ("models", dict)):
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


def records_exist() -> bool:
    return any(m._base_manager.exists() for m in record_models()[1:])


def records_restore(text: str, *, replace: bool = False) -> dict[str, int]:
    """Restore a document written by ``records_export``; return rows written per model.

    Accounts are written over those with the same id. Records are only restored into a
    database that has none, unless ``replace``: then the existing ones are deleted first,
    in the same transaction. Any error leaves the database as it was.
    """
    document = _parse(text)
    known = {m._meta.label_lower: m for m in record_models()}
    unknown = sorted(set(document["models"]) - set(known))
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
                for model in reversed(record_models()[1:]):
                    model._base_manager.all().delete()
            for obj in _objects("auth.group", document["groups"], natural_pk=True):
                obj.save()
            for label in known:
                rows = document["models"].get(label, [])
                for obj in _objects(label, rows):
                    obj.save()
                counts[label] = len(rows)
            # Foreign keys are checked at commit; check now, so the error is ours to report.
            connection.check_constraints(table_names=[m._meta.db_table for m in known.values()])
            _reset_sequences(list(known.values()))
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
