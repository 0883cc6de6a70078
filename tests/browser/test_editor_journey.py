"""An editor's journey in a real browser: log in, upload, review, see it on the site."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User

from articles.models import Article, PersonMention

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery-staple-42"


@pytest.fixture
def editor():
    user = User.objects.create_user("editor", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def review(page, live_server, name, action_label):
    page.goto(live_server.url + "/admin/articles/personmention/?state=suggested")
    row = page.locator("#result_list tbody tr", has_text=name)
    row.locator("input.action-select").check()
    page.locator("select[name=action]").select_option(label=action_label)
    page.get_by_role("button", name="Run").click()
    page.wait_for_load_state()


def test_editor_uploads_reviews_and_sees_the_result(
    live_server, page, screenshot, editor, seed_path
):
    page.goto(live_server.url + "/admin/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/$"))

    page.goto(live_server.url + "/admin/articles/article/")
    page.get_by_role("link", name="Import files").click()
    page.locator("#id_files").set_input_files(str(seed_path))
    page.get_by_role("button", name="Import").click()
    assert (
        "1 created, 0 updated, 0 unchanged, 0 failed"
        in page.locator("#import-summary").inner_text()
    )
    screenshot("admin-import")

    review(page, live_server, "Vladimir Putin", "Confirm the selected tags")
    review(page, live_server, "Dmitry Peskov", "Reject the selected tags")
    screenshot("admin-review-queue")

    article = Article.objects.get()
    states = dict(
        PersonMention.objects.filter(article=article).values_list("entity__name", "state")
    )
    assert states["Vladimir Putin"] == "confirmed"
    assert states["Dmitry Peskov"] == "rejected"

    page.goto(live_server.url + article.get_absolute_url())
    people = page.locator(".facets .facet", has_text="People").inner_text()
    assert "Vladimir Putin" in people
    assert "Dmitry Peskov" not in people
    screenshot("article-after-review")
