"""One history row per real change.

django-simple-history writes a row on every save, so saving an unchanged admin form or
reloading an identical lesson file would add "Changed" versions that differ from the one
before in nothing. Before such a save, the row is compared with its latest version; when
every tracked field is equal, that save records no version.
"""

from django.db.models.signals import post_save, pre_save

from . import models

# simple-history skips the version of a save while the instance carries this attribute.
SKIP = "skip_history_when_saving"
_MARK = "_history_unchanged"


def _tracked(model) -> list:
    # An auto_now timestamp moves on every save; it is not a change of content.
    return [
        field.attname
        for field in model.history.model.tracked_fields
        if not getattr(field, "auto_now", False)
    ]


def unchanged_since_last_version(instance) -> bool:
    """True if the latest version of ``instance`` holds the same values as it does now."""
    if instance._state.adding or instance.pk is None:
        return False
    latest = (
        type(instance).history.model.objects.filter(id=instance.pk).only(*_tracked(type(instance)))
    ).first()
    if latest is None or latest.history_type == "-":
        return False
    return all(
        getattr(latest, name) == getattr(instance, name) for name in _tracked(type(instance))
    )


def _before_save(sender, instance, raw=False, **kwargs):
    if raw or hasattr(instance, SKIP):
        return
    if unchanged_since_last_version(instance):
        setattr(instance, SKIP, True)
        setattr(instance, _MARK, True)


def _after_save(sender, instance, **kwargs):
    # Only our own mark is removed: save_without_historical_record() manages its own.
    if instance.__dict__.pop(_MARK, False):
        instance.__dict__.pop(SKIP, None)


def history_models() -> list:
    return [
        model
        for model in vars(models).values()
        if isinstance(model, type)
        and hasattr(model, "_meta")
        and getattr(model._meta, "simple_history_manager_attribute", None) == "history"
        and not model._meta.abstract
        and model.__module__ == models.__name__
    ]


def connect() -> None:
    for model in history_models():
        uid = f"lessons.history.{model._meta.label_lower}"
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"{uid}.pre")
        # After simple-history's own post_save receiver, which reads the attribute.
        post_save.connect(_after_save, sender=model, dispatch_uid=f"{uid}.post")
