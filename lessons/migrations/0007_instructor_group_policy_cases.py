"""Give the "Instructor" group the permissions of policy cases: the same sync as 0005."""

import importlib

from django.db import migrations

sync_instructor_group = importlib.import_module(
    "lessons.migrations.0005_instructor_group_flashcards"
).sync_instructor_group


class Migration(migrations.Migration):
    dependencies = [
        ("lessons", "0006_policycase"),
    ]

    operations = [migrations.RunPython(sync_instructor_group, migrations.RunPython.noop)]
