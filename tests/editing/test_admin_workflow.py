"""The editors' workflow in the Django admin, over real HTTP and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile

from articles.models import (
    Article,
    EntityMerge,
    Person,
    PersonMention,
    Place,
    PlaceMention,
    SlugRedirect,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    user = User.objects.create_user("editor", password="a-long-editor-password", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    client.force_login(user)
    return user


def make_article(title, day=1):
    article = Article(
        key=f"https://example.org/{title}",
        url=f"https://example.org/{title}",
        title=title,
        published_on=date(2021, 12, day),
        content_hash="x",
    )
    article.set_blocks([{"kind": "paragraph", "text": f"{title} text."}])
    article.save()
    return article


def test_editors_group_can_edit_the_archive_but_not_users(client, editor):
    assert client.get("/admin/articles/article/").status_code == 200
    assert client.get("/admin/articles/personmention/").status_code == 200
    assert client.get("/admin/articles/article/import/").status_code == 200
    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get("/admin/auth/group/").status_code == 403
    assert client.get("/admin/auth/user/add/").status_code == 403


def test_admin_needs_a_staff_login(client):
    response = client.get("/admin/articles/article/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    User.objects.create_user("reader", password="a-long-reader-password")
    client.login(username="reader", password="a-long-reader-password")
    assert client.get("/admin/articles/article/").status_code == 302


def test_upload_reports_a_bad_file_and_keeps_the_good_one(client, editor, seed_path):
    good = SimpleUploadedFile("seed.txt", seed_path.read_bytes())
    bad = SimpleUploadedFile("broken.csv", b"title,text\nA,B\n")
    empty = SimpleUploadedFile("empty.txt", b"")

    response = client.post("/admin/articles/article/import/", {"files": [good, bad, empty]})

    assert response.status_code == 200
    page = response.content.decode()
    assert "1 created, 0 updated, 0 unchanged, 2 failed" in page
    assert "broken.csv" in page and "missing" in page
    assert "empty.txt" in page and "empty file" in page
    assert "newsdesk-upload" not in page  # no temporary paths shown
    assert Article.objects.get().title.startswith("U.S. Urges De-Escalation")


def test_upload_needs_csrf_token(editor, seed_path):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    response = strict.post(
        "/admin/articles/article/import/",
        {"files": [SimpleUploadedFile("seed.txt", seed_path.read_bytes())]},
    )
    assert response.status_code == 403
    assert Article.objects.count() == 0


def test_bulk_confirm_and_reject_record_who_and_when(client, editor):
    article = make_article("talks")
    lavrov = Person.objects.create(name="Sergei Lavrov")
    striking = Person.objects.create(name="Striking")
    keep = PersonMention.objects.create(article=article, entity=lavrov, origin="gazetteer")
    junk = PersonMention.objects.create(article=article, entity=striking, origin="rule")

    client.post(
        "/admin/articles/personmention/",
        {"action": "confirm", "_selected_action": [keep.pk]},
    )
    client.post(
        "/admin/articles/personmention/",
        {"action": "reject", "_selected_action": [junk.pk]},
    )

    keep.refresh_from_db()
    junk.refresh_from_db()
    assert (keep.state, keep.reviewed_by) == ("confirmed", editor)
    assert (junk.state, junk.reviewed_by) == ("rejected", editor)
    assert keep.reviewed_at is not None
    assert LogEntry.objects.filter(user=editor, object_id=str(junk.pk)).exists()
    # The public page shows the confirmed tag and not the rejected one.
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Sergei Lavrov" in page and "Striking" not in page


def test_review_queue_lists_suggestions_by_default(client, editor):
    article = make_article("queue")
    waiting = Person.objects.create(name="Waiting Person")
    decided = Person.objects.create(name="Decided Person")
    PersonMention.objects.create(article=article, entity=waiting, state="suggested")
    PersonMention.objects.create(article=article, entity=decided, state="confirmed")

    page = client.get("/admin/articles/personmention/").content.decode()
    everything = client.get("/admin/articles/personmention/?state=all").content.decode()

    assert "Waiting Person" in page and "Decided Person" not in page
    assert "Waiting Person" in everything and "Decided Person" in everything


def test_merge_moves_tags_and_aliases_and_redirects_the_old_page(client, editor):
    first, second = make_article("one", 1), make_article("two", 2)
    zelenskiy = Person.objects.create(name="Volodymyr Zelenskiy", aliases=["Zelenskiy"])
    zelensky = Person.objects.create(name="Volodymyr Zelensky", aliases=["Zelensky"])
    PersonMention.objects.create(article=first, entity=zelenskiy, state="confirmed")
    PersonMention.objects.create(article=first, entity=zelensky, state="suggested", count=2)
    PersonMention.objects.create(article=second, entity=zelensky, state="rejected")
    old_slug = zelensky.slug

    response = client.post(
        "/admin/articles/person/",
        {
            "action": "merge_selected",
            "_selected_action": [zelenskiy.pk, zelensky.pk],
            "survivor": zelenskiy.pk,
        },
    )

    assert response.status_code == 302
    assert not Person.objects.filter(pk=zelensky.pk).exists()
    zelenskiy.refresh_from_db()
    assert zelenskiy.aliases == ["Zelenskiy", "Volodymyr Zelensky", "Zelensky"]
    states = dict(PersonMention.objects.filter(entity=zelenskiy).values_list("article", "state"))
    assert states == {first.pk: "confirmed", second.pk: "rejected"}
    assert PersonMention.objects.get(entity=zelenskiy, article=first).count == 3
    merge = EntityMerge.objects.get()
    assert (merge.merged_name, merge.survivor_id, merge.merged_by) == (
        "Volodymyr Zelensky",
        zelenskiy.pk,
        editor,
    )
    assert SlugRedirect.objects.filter(kind="person", old_slug=old_slug).exists()
    redirect = client.get(f"/people/{old_slug}/?q=talks")
    assert redirect.status_code == 301
    assert redirect["Location"] == f"/people/{zelenskiy.slug}/?q=talks"
    assert LogEntry.objects.filter(object_id=str(zelenskiy.pk)).exists()


def test_split_alias_moves_only_the_tags_that_wrote_that_name(client, editor):
    first, second = make_article("kyiv", 1), make_article("kiev", 2)
    sweden = Place.objects.create(name="Sweden", kind="country", country_code="SE")
    wrongly_merged = Place.objects.create(
        name="Kiev", kind="city", country_code="UA", aliases=["Kyiv", "Stockholm"]
    )
    PlaceMention.objects.create(article=first, entity=wrongly_merged, surface_forms=["Kyiv"])
    PlaceMention.objects.create(article=second, entity=wrongly_merged, surface_forms=["Stockholm"])

    response = client.post(
        "/admin/articles/place/",
        {"action": "split_alias", "_selected_action": [wrongly_merged.pk], "alias": "Stockholm"},
    )

    assert response.status_code == 302
    wrongly_merged.refresh_from_db()
    assert wrongly_merged.aliases == ["Kyiv"]
    stockholm = Place.objects.get(name="Stockholm")
    assert list(stockholm.mentions.values_list("article", flat=True)) == [second.pk]
    assert list(wrongly_merged.mentions.values_list("article", flat=True)) == [first.pk]
    assert sweden.pk != stockholm.pk


def test_editor_adds_a_tag_inline_as_a_confirmed_editor_tag(client, editor):
    article = make_article("inline")
    lavrov = Person.objects.create(name="Sergei Lavrov")
    url = f"/admin/articles/article/{article.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "title": article.title,
            "published_on": "2021-12-01",
            "language": "en",
            "authors": "",
            "blocks": '[{"kind": "paragraph", "text": "inline text."}]',
            "related": "[]",
        }
    )
    for prefix in ("personmention_set", "organizationmention_set", "placemention_set"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(
        {
            "personmention_set-TOTAL_FORMS": "1",
            "personmention_set-0-entity": str(lavrov.pk),
            "personmention_set-0-state": "suggested",
        }
    )

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    mention = PersonMention.objects.get(article=article)
    assert (mention.origin, mention.state, mention.reviewed_by) == ("editor", "confirmed", editor)


def test_admin_entity_search_finds_aliases(client, editor):
    Place.objects.create(name="Kiev", kind="city", country_code="UA", aliases=["Kyiv"])
    page = client.get("/admin/articles/place/?q=kyiv").content.decode()
    assert "Kiev" in page
