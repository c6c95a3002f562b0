"""Give the "Instructor" group the permissions of content models added since 0003.

The group holds every add/change/delete/view permission of the lessons app and nothing
else; running this again after adding a content model keeps it that way.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Instructor"
ACTIONS = ("add", "change", "delete", "view")


def sync_instructor_group(apps, schema_editor):
    lessons = apps.get_app_config("lessons")
    models_module, lessons.models_module = getattr(lessons, "models_module", None), True
    create_permissions(lessons, apps=apps, verbosity=0)
    lessons.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(
        *(
            permission
            for permission in Permission.objects.filter(content_type__app_label="lessons")
            if permission.codename.split("_", 1)[0] in ACTIONS
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("lessons", "0004_flashcard_historicalflashcard"),
    ]

    operations = [migrations.RunPython(sync_instructor_group, migrations.RunPython.noop)]
