"""Instructors may see certificates and revoke them (and nothing else about them:
certificates are issued by the site, never added, edited or deleted by hand)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Instructor"
CODENAMES = ("view_certificate", "revoke_certificate")


def grant(apps, schema_editor):
    config = apps.get_app_config("certificates")
    models_module, config.models_module = getattr(config, "models_module", None), True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="certificates", codename__in=CODENAMES)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0001_initial"),
        ("lessons", "0005_instructor_group_flashcards"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
