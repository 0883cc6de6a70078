"""Export the archive with its tags and decisions, wipe it, load it back: nothing lost."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from articles.models import (
    Article,
    Organization,
    OrganizationMention,
    Person,
    PersonMention,
    Place,
    PlaceMention,
)

pytestmark = pytest.mark.django_db


def snapshot():
    """Everything the archive holds that matters, in a comparable form."""
    tags = {}
    for model in (PersonMention, OrganizationMention, PlaceMention):
        tags[model.__name__] = sorted(
            model.objects.values_list(
                "article__key",
                "entity__slug",
                "state",
                "origin",
                "count",
                "evidence",
                "reviewed_by__username",
            )
        )
    return {
        "articles": sorted(
            Article.objects.values_list("key", "title", "body", "published_on", "authors")
        ),
        "people": sorted(Person.objects.values_list("slug", "name", "aliases", "role")),
        "organizations": sorted(Organization.objects.values_list("slug", "name", "kind")),
        "places": sorted(
            Place.objects.values_list("slug", "kind", "country_code", "country__slug")
        ),
        "tags": tags,
    }


def test_round_trip_keeps_articles_entities_tags_and_decisions(run_import, seed_path, tmp_path):
    assert run_import(seed_path).exit_code == 0
    assert run_import(tmp_path.joinpath("x")).exit_code == 1  # a bad path changes nothing
    editor = User.objects.create_user("editor")
    putin = PersonMention.objects.get(entity__name="Vladimir Putin")
    putin.state, putin.reviewed_by = "rejected", editor
    putin.save()
    Person.objects.filter(name="Sergei Lavrov").update(aliases=["Sergey Lavrov"])
    before = snapshot()
    export = tmp_path / "archive.jsonl.gz"

    call_command("export_archive", str(export), stdout=io.StringIO())
    Article.objects.all().delete()
    for model in (Person, Organization, Place):
        model.objects.all().delete()
    assert snapshot()["articles"] == []
    out = io.StringIO()
    call_command("import_archive", str(export), stdout=out)

    assert snapshot() == before
    assert "Loaded" in out.getvalue()
    # Loading the same file again changes nothing.
    call_command("import_archive", str(export), stdout=io.StringIO())
    assert snapshot() == before
    assert before["tags"]["PersonMention"]  # the seed really had tags to lose


def test_a_broken_export_loads_nothing(tmp_path, run_import, seed_path):
    run_import(seed_path)
    export = tmp_path / "archive.jsonl"
    call_command("export_archive", str(export), stdout=io.StringIO())
    lines = export.read_text(encoding="utf-8").splitlines()
    export.write_text("\n".join([*lines[:-1], '{"type": "article", "key": ']) + "\n")
    Article.objects.all().delete()

    with pytest.raises(CommandError, match=rf"archive.jsonl:{len(lines)}: .*nothing was loaded"):
        call_command("import_archive", str(export), stdout=io.StringIO())

    assert Article.objects.count() == 0
