"""The "Auditor" group: may read the audit trail, and nothing else.

Least privilege: staff see the trail only through this group (or as superusers), and
no one, superusers included, can add, edit or delete an event through the admin.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Auditor"


def create_auditor_group(apps, schema_editor):
    # Permissions are normally created after all migrations have run; create this app's
    # now so the group can hold them on a fresh database.
    audit = apps.get_app_config("audit")
    models_module, audit.models_module = getattr(audit, "models_module", None), True
    create_permissions(audit, apps=apps, verbosity=0)
    audit.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="audit", codename="view_auditevent")
    )


def delete_auditor_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_auditor_group, delete_auditor_group)]
