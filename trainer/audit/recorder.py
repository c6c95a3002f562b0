"""Receivers that write an ``AuditEvent`` for each change to an audited model.

Audited: accounts (``auth.user``), groups, the permissions and groups they hold,
``trainer.teams``' teams, memberships, invitations and assignments, certificates (issued,
revoked), second-factor devices (that one was added or removed, never their keys), staff
set-up links (made, used; never their tokens), and single sign-on's identities and group
mappings. Teams are connected by label, so the trail works whether or not that app's
models are loaded yet.

Loading a backup (``raw`` saves) and code inside ``audit_suspended()`` record nothing.
"""

import datetime
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from trainer.security.net import client_ip

from .models import Action, AuditEvent

current_request: ContextVar = ContextVar("audit_request", default=None)
_suspended: ContextVar = ContextVar("audit_suspended", default=False)

HIDDEN = "(hidden)"


@dataclass(frozen=True)
class Audited:
    ignore: frozenset = frozenset()  # changes not worth an event (a login's timestamp)
    secret: frozenset = frozenset()  # recorded as changed, never by value
    only: frozenset | None = None  # compare just these fields


def audited_models() -> dict[str, Audited]:
    return {
        settings.AUTH_USER_MODEL.lower(): Audited(
            ignore=frozenset({"last_login"}), secret=frozenset({"password"})
        ),
        "auth.group": Audited(),
        "teams.team": Audited(),
        "teams.membership": Audited(),
        # Invited, accepted, declined, withdrawn: each a change of status. A member who
        # leaves shows as their membership deleted with themselves as the actor.
        "teams.invitation": Audited(secret=frozenset({"token_hash"})),
        "teams.assignment": Audited(),
        "otp_totp.totpdevice": Audited(only=frozenset({"user", "name", "confirmed"})),
        "otp_static.staticdevice": Audited(only=frozenset({"user", "name", "confirmed"})),
        # Single sign-on: which provider account signs in as whom, and which group puts
        # people in which team (the memberships it makes are audited as memberships).
        "sso.identity": Audited(ignore=frozenset({"last_sign_in_at"})),
        "sso.groupmapping": Audited(),
        # A certificate issued, then perhaps revoked: by whom, when and why.
        "certificates.certificate": Audited(
            only=frozenset(
                {"user", "lesson", "verdict", "revoked_at", "revoked_by", "revocation_reason"}
            )
        ),
        # A staff set-up link: who it is for, who made it, until when, when it was used.
        "security.enrolmentgrant": Audited(
            only=frozenset({"user", "created_by", "expires_at", "used_at"})
        ),
    }


_AUDITED: dict[str, Audited] = {}
_RELATIONS: dict = {}  # through model -> its ManyToManyField


@contextmanager
def audit_suspended():
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


def connect():
    _AUDITED.update(audited_models())
    for label in _AUDITED:
        uid = f"audit.{label}"
        pre_save.connect(_before_save, sender=label, dispatch_uid=f"{uid}.pre_save")
        post_save.connect(_after_save, sender=label, dispatch_uid=f"{uid}.post_save")
        post_delete.connect(_after_delete, sender=label, dispatch_uid=f"{uid}.post_delete")
    user = get_user_model()
    for model, name in ((user, "groups"), (user, "user_permissions"), (Group, "permissions")):
        field = model._meta.get_field(name)
        _RELATIONS[field.remote_field.through] = field
        m2m_changed.connect(
            _relation_changed,
            sender=field.remote_field.through,
            dispatch_uid=f"audit.{model._meta.label_lower}.{name}",
        )


def _fields(model, spec, update_fields=None):
    fields = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key
        and f.name not in spec.ignore
        and (spec.only is None or f.name in spec.only)
    ]
    if update_fields is not None:
        fields = [f for f in fields if f.name in update_fields or f.attname in update_fields]
    return fields


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _shown(field, spec, value):
    if field.name in spec.secret:
        return HIDDEN if value not in (None, "") else None
    return _plain(value)


def _before_save(sender, instance, raw=False, update_fields=None, using=None, **kwargs):
    if raw or _suspended.get() or instance._state.adding or instance.pk is None:
        return
    fields = _fields(sender, _AUDITED[sender._meta.label_lower], update_fields)
    if not fields:
        return
    instance._audit_before = (
        sender._base_manager.using(using)
        .filter(pk=instance.pk)
        .values(*[f.attname for f in fields])
        .first()
    )


def _after_save(sender, instance, created, raw=False, update_fields=None, **kwargs):
    before = instance.__dict__.pop("_audit_before", None)
    if raw or _suspended.get():
        return
    spec = _AUDITED[sender._meta.label_lower]
    fields = _fields(sender, spec, update_fields)
    changes = {}
    for field in fields:
        new = getattr(instance, field.attname)
        if created:
            if new not in (None, ""):
                changes[field.name] = [None, _shown(field, spec, new)]
        elif before is not None and not _same(before.get(field.attname), new):
            old = before.get(field.attname)
            changes[field.name] = [_shown(field, spec, old), _shown(field, spec, new)]
    if created or changes:
        _record(Action.CREATE if created else Action.UPDATE, instance, changes)


def _same(old, new) -> bool:
    """Equal values, with timestamps compared to the second: the admin's date and time
    fields drop microseconds, so saving an unchanged form is no change."""
    if isinstance(old, datetime.datetime) and isinstance(new, datetime.datetime):
        return old.replace(microsecond=0) == new.replace(microsecond=0)
    return old == new


def _after_delete(sender, instance, **kwargs):
    if _suspended.get():
        return
    spec = _AUDITED[sender._meta.label_lower]
    changes = {
        f.name: [_shown(f, spec, getattr(instance, f.attname)), None]
        for f in _fields(sender, spec)
        if getattr(instance, f.attname) not in (None, "")
    }
    _record(Action.DELETE, instance, changes)


RELATION_ACTIONS = {"post_add": Action.ADD, "post_remove": Action.REMOVE, "pre_clear": Action.CLEAR}


def _relation_changed(sender, instance, action, reverse, model, pk_set, using=None, **kwargs):
    if action not in RELATION_ACTIONS or _suspended.get():
        return
    field = _RELATIONS[sender]
    if action == "pre_clear":
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        if reverse:
            source, target = target, source
        pk_set = set(
            sender._base_manager.using(using)
            .filter(**{source: instance.pk})
            .values_list(target, flat=True)
        )
    if not pk_set:
        return
    related = model._base_manager.using(using).filter(pk__in=pk_set)
    if model is Permission:
        related = related.select_related("content_type")
    names = sorted(_name(obj) for obj in related)
    relation = str(field.model._meta.verbose_name_plural) if reverse else field.name
    _record(RELATION_ACTIONS[action], instance, {relation: names})


def _name(obj):
    if isinstance(obj, Permission):
        return f"{obj.content_type.app_label}.{obj.codename}"
    return str(obj)


def _record(action, instance, changes):
    actor, ip, agent = None, None, ""
    request = current_request.get()
    if request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
        ip = client_ip(request)
        agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    AuditEvent.objects.create(
        actor_id=actor.pk if actor is not None else None,
        actor_repr=actor.get_username() if actor is not None else "",
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes,
        ip=ip,
        user_agent=agent,
    )
