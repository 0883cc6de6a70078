from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = "Editors"

# What editors may do: everything with the archive's articles, entities and tags, and
# see (not rewrite) the merge history. Nothing of auth: they cannot manage users.
ARCHIVE_MODELS = [
    "article",
    "person",
    "organization",
    "place",
    "personmention",
    "organizationmention",
    "placemention",
]
READ_ONLY_MODELS = ["entitymerge", "slugredirect"]


def create_editors_group(apps, schema_editor):
    # Permissions are normally created after migrations run; make sure they exist now.
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [
        f"{action}_{model}"
        for model in ARCHIVE_MODELS
        for action in ("add", "change", "delete", "view")
    ] + [f"view_{model}" for model in READ_ONLY_MODELS]
    group, _ = Group.objects.get_or_create(name=EDITORS)
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="articles", codename__in=codenames)
    )


def remove_editors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=EDITORS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_editor_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors_group, remove_editors_group)]
