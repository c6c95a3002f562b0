"""Lesson content, fetched from the database once per edit rather than once per page.

A lesson's content (its sections, steps, myths, questions, choices...) changes only when
an instructor edits it, yet showing it costs a dozen queries and most of a page's time.
Here it is cached under the lesson's id and a *version*: ``Lesson.updated_at``, which
every save or delete of the lesson or of any of its parts moves forward, in the same
transaction (the receivers below). A page reads the version with the lesson's own row,
which it fetches anyway to check visibility and answer 404, so:

- an entry is never stale: an edit makes a new key, and old entries simply age out;
- that holds across processes and machines without any shared cache, so each process
  keeps the pickled content in a small in-memory LRU, in front of Django's cache (Redis
  when several servers share one, so a fresh worker warms up from it), in front of the
  database.

The shared cache holds plain data only (``content_encode``: field values and what was
prefetched, as lists and dicts), rebuilt into instances on read: what another machine
wrote, or anyone who can write to Redis, is never unpickled. An entry that does not
decode is a miss. Pickles stay inside the process that made them, from instances it
built itself.

Every call decodes its own copy (under a millisecond for the IAM lesson, against a dozen
queries): pages annotate what they show, and a copy shared between requests could carry
one learner's state into another's page.

``QuerySet.update()`` and raw SQL send no signals: code that edits content that way calls
``content_changed(lesson_id)`` itself.

Nothing here knows about learners: the cache holds content only.
"""

import datetime
import hashlib
import pickle
import threading
from collections import OrderedDict
from decimal import Decimal
from functools import cache
from uuid import UUID

import django
from django.apps import apps
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.utils import timezone

from .models import Lesson

LOCAL_SIZE = 64  # lessons kept per process, pickled: the IAM lesson takes about 40 KB
TIMEOUT = 7 * 24 * 3600  # an old version ages out of the shared cache within a week

_local: OrderedDict[str, bytes] = OrderedDict()
_lock = threading.Lock()


def lesson_with_content(lesson: Lesson) -> Lesson:
    """A private copy of ``lesson`` with everything its pages show prefetched
    (``Lesson.objects.with_content()``). ``lesson`` is the row just read: its
    ``updated_at`` is the version."""
    key = _key(lesson.pk, lesson.updated_at)
    with _lock:
        data = _local.get(key)
        if data is not None:
            _local.move_to_end(key)
    if data is None:
        found = content_decode(caches["default"].get(key))
        if found is None:
            found = Lesson.objects.with_content().get(pk=lesson.pk)
            # Stored under the version it was read at: content read after a concurrent
            # edit is newer, never older, than its key says.
            key = _key(found.pk, found.updated_at)
            caches["default"].set(key, content_encode(found), TIMEOUT)
        data = pickle.dumps(found, protocol=pickle.HIGHEST_PROTOCOL)
        with _lock:
            _local[key] = data
            _local.move_to_end(key)
            while len(_local) > LOCAL_SIZE:
                _local.popitem(last=False)
    return pickle.loads(data)  # noqa: S301 - made in this process, never read from outside


_outlines: OrderedDict[str, dict] = OrderedDict()


def lesson_outline(lesson: Lesson) -> dict:
    """What progress is counted against, per lesson version: the steps with a prediction
    and the myths as ``(id, order)`` pairs in page order, and the ids of the practice
    questions. Small and immutable, so it is kept as is, without a copy per call."""
    key = _key(lesson.pk, lesson.updated_at)
    with _lock:
        outline = _outlines.get(key)
    if outline is None:
        content = lesson_with_content(lesson)
        outline = {
            "prediction_steps": tuple(
                (s.pk, s.order) for s in content.steps.all() if s.prediction_prompt
            ),
            "myths": tuple((m.pk, m.order) for m in content.myths.all()),
            "practice_questions": frozenset(q.pk for q in content.practice_questions),
        }
        with _lock:
            _outlines[key] = outline
            while len(_outlines) > LOCAL_SIZE:
                _outlines.popitem(last=False)
    return outline


_parts: OrderedDict[str, dict] = OrderedDict()


def lesson_part(lesson: Lesson, name: str, pk: int):
    """A private copy of one part of the lesson's content, or None if it has no such part.

    ``name`` is the attribute of the content that lists it ("steps", "myths", "pitfalls",
    "practice_questions"); the part comes with what it contains prefetched (a step's
    options, a question's choices and solution) and with ``lesson`` as its lesson. Each
    part is pickled on its own, per lesson version, so a request that needs one item (a
    commit) decodes a few hundred bytes instead of the whole lesson.
    """
    key = f"{_key(lesson.pk, lesson.updated_at)}:{name}"
    with _lock:
        parts = _parts.get(key)
    if parts is None:
        parts = {}
        listed = getattr(lesson_with_content(lesson), name)
        for part in listed.all() if hasattr(listed, "all") else listed:
            part._state.fields_cache.pop("lesson", None)  # the whole lesson, many times over
            parts[part.pk] = pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL)
        with _lock:
            _parts[key] = parts
            while len(_parts) > 4 * LOCAL_SIZE:
                _parts.popitem(last=False)
    data = parts.get(pk)
    if data is None:
        return None
    part = pickle.loads(data)  # noqa: S301 - made in this process, never read from outside
    part.lesson = lesson
    return part


# Plain data for the shared cache ----------------------------------------------------------

# Values JSON has no type for: written as ISO text or a string, read back by the field.
_TEXT_TYPES = {"DateTimeField", "DateField", "TimeField", "DecimalField", "UUIDField"}


def content_encode(instance: models.Model, parent: models.Model | None = None) -> dict:
    """``instance`` as lists and dicts of plain values: its model, its field values, the
    related objects cached on it and the lists prefetched into it, recursively.

    A child's link back to ``parent`` is kept as the name of the link (``"up"``), not
    as a copy of the parent.
    """
    data = {
        "m": instance._meta.label_lower,
        "v": [_plain(getattr(instance, f.attname)) for f in instance._meta.concrete_fields],
    }
    one, up = {}, []
    for name, value in instance._state.fields_cache.items():
        if value is not None and value is parent:
            up.append(name)
        else:
            one[name] = None if value is None else content_encode(value, instance)
    many = {
        name: [content_encode(child, instance) for child in queryset]
        for name, queryset in getattr(instance, "_prefetched_objects_cache", {}).items()
    }
    lists = {
        name: [content_encode(child, instance) for child in value]
        for name, value in vars(instance).items()
        if isinstance(value, list) and value and isinstance(value[0], models.Model)
    }
    for key, value in (("one", one), ("up", up), ("many", many), ("lists", lists)):
        if value:
            data[key] = value
    return data


def content_decode(data, parent: models.Model | None = None) -> models.Model | None:
    """The instance ``content_encode`` described, or None if ``data`` is not such a
    description (an entry of another shape, version or origin: a miss)."""
    try:
        return _rebuild(data, parent)
    except (KeyError, LookupError, TypeError, ValueError, AttributeError, ValidationError):
        return None


def _rebuild(data: dict, parent):
    model = apps.get_model(data["m"])
    if model._meta.app_label != "lessons":
        raise LookupError(data["m"])
    fields = model._meta.concrete_fields
    if len(data["v"]) != len(fields):
        raise ValueError("the fields changed")
    values = [
        value if value is None or f.get_internal_type() not in _TEXT_TYPES else f.to_python(value)
        for f, value in zip(fields, data["v"], strict=True)
    ]
    instance = model.from_db(DEFAULT_DB_ALIAS, None, values)
    cache = instance._state.fields_cache
    for name in data.get("up", ()):
        cache[name] = parent
    for name, value in data.get("one", {}).items():
        cache[name] = None if value is None else _rebuild(value, instance)
    if "many" in data:
        instance._prefetched_objects_cache = {}
    for name, children in data.get("many", {}).items():
        queryset = getattr(instance, name).get_queryset()
        queryset._result_cache = [_rebuild(child, instance) for child in children]
        queryset._prefetch_done = True
        instance._prefetched_objects_cache[name] = queryset
    for name, children in data.get("lists", {}).items():
        setattr(instance, name, [_rebuild(child, instance) for child in children])
    return instance


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value


def content_changed(*lesson_ids: int) -> None:
    """Move the version of these lessons forward: their cached content is not used again."""
    ids = {pk for pk in lesson_ids if pk is not None}
    if ids:
        Lesson.objects.filter(pk__in=ids).update(updated_at=timezone.now())


def clear_local() -> None:
    """Forget this process's cached lessons (tests; the shared cache is left alone)."""
    with _lock:
        _local.clear()
        _outlines.clear()
        _parts.clear()


def _key(pk: int, version) -> str:
    return f"lesson-content:plain:{_schema()}:{pk}:{version.isoformat()}"


@cache
def _schema() -> str:
    """A short hash of the content models' fields: a deploy that changes them uses new
    keys instead of reading content of the old shape."""
    shape = [django.get_version()]
    for model in sorted(content_models(), key=lambda m: m._meta.label):
        shape.append(model._meta.label)
        shape.extend(sorted(f.name for f in model._meta.get_fields()))
    return hashlib.sha256("|".join(shape).encode()).hexdigest()[:10]


# Invalidation ---------------------------------------------------------------------------


def content_models() -> list[type[models.Model]]:
    """Lesson and every model of this app that belongs to a lesson (not the history)."""
    return [
        model
        for model in apps.get_app_config("lessons").get_models()
        if not hasattr(model, "instance_type")
        and (model is Lesson or lesson_path(model) is not None)
    ]


def lesson_path(model) -> str | None:
    """The lookup from ``model`` to its lesson's id (``"step__lesson_id"``), if any."""
    path, seen = [], set()
    while model is not Lesson and model not in seen:
        seen.add(model)
        parent = next(
            (
                f
                for f in model._meta.get_fields()
                if isinstance(f, models.ForeignKey)
                and f.remote_field.on_delete is models.CASCADE
                and f.related_model._meta.app_label == "lessons"
            ),
            None,
        )
        if parent is None:
            return None
        path.append(parent.name)
        model = parent.related_model
    if model is not Lesson:
        return None
    return "__".join([*path[:-1], f"{path[-1]}_id"]) if path else None


def _lessons_of(instance) -> list[int]:
    if isinstance(instance, Lesson):
        return [instance.pk]
    path = lesson_path(type(instance))
    parent_field, _, rest = path.partition("__")
    if not rest:
        return [getattr(instance, path)]
    # The parent may already be gone in a cascade; then its own signal moved the version.
    parent = type(instance)._meta.get_field(parent_field)
    parent_id = getattr(instance, parent.attname)
    return list(parent.related_model.objects.filter(pk=parent_id).values_list(rest, flat=True))


def _linking(lesson_id: int) -> list[int]:
    """Lessons whose pages name this one (as a prerequisite or what comes next)."""
    return list(
        Lesson.objects.filter(
            models.Q(prerequisites=lesson_id) | models.Q(next_lessons=lesson_id)
        ).values_list("pk", flat=True)
    )


def _saved(sender, instance, update_fields=None, **kwargs):
    if isinstance(instance, Lesson):
        # save() moved updated_at itself, unless update_fields left it out.
        own = [instance.pk] if update_fields and "updated_at" not in update_fields else []
        content_changed(*own, *_linking(instance.pk))
    else:
        content_changed(*_lessons_of(instance))


def _deleting_lesson(sender, instance, **kwargs):
    content_changed(*_linking(instance.pk))


def _deleted(sender, instance, **kwargs):
    content_changed(*_lessons_of(instance))


def _links_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "pre_clear"}:
        return
    affected = list(_lessons_of(instance))
    if reverse and pk_set:
        affected.extend(pk_set)
    elif reverse and action == "pre_clear":
        # The pages that listed ``instance`` through this relation.
        field = next(f for f in model._meta.many_to_many if f.remote_field.through is sender)
        affected.extend(
            sender.objects.filter(**{field.m2m_reverse_field_name(): instance.pk}).values_list(
                field.m2m_field_name(), flat=True
            )
        )
    content_changed(*affected)


def connect() -> None:
    """Connect the receivers (``LessonsConfig.ready``)."""
    for model in content_models():
        uid = f"lessons.cache.{model._meta.label_lower}"
        post_save.connect(_saved, sender=model, dispatch_uid=f"{uid}.saved")
        if model is Lesson:
            pre_delete.connect(_deleting_lesson, sender=model, dispatch_uid=f"{uid}.deleting")
        else:
            post_delete.connect(_deleted, sender=model, dispatch_uid=f"{uid}.deleted")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                _links_changed,
                sender=field.remote_field.through,
                dispatch_uid=f"{uid}.{field.name}.links",
            )
