"""The "Instructor" group: every lesson-content permission and nothing else.

Instructors write, version, publish, import and export lessons. They hold no permission
outside the lessons app, so they cannot see users, groups, learners' commits, attempts,
progress or teams. A later migration that adds a content model adds its permissions here.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Instructor"
ACTIONS = ("add", "change", "delete", "view")


def create_instructor_group(apps, schema_editor):
    # Permissions are normally created after all migrations have run; create the
    # lessons app's now so the group can hold them on a fresh database.
    lessons = apps.get_app_config("lessons")
    models_module, lessons.models_module = getattr(lessons, "models_module", None), True
    create_permissions(lessons, apps=apps, verbosity=0)
    lessons.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.set(
        permission
        for permission in Permission.objects.filter(content_type__app_label="lessons")
        if permission.codename.split("_", 1)[0] in ACTIONS
    )


def delete_instructor_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("lessons", "0002_history"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_instructor_group, delete_instructor_group)]
