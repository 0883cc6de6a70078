"""Canonical URLs (the natural key) and publication names."""

from __future__ import annotations

import pytest

from articles.importing.sources import canonical_url, source_name

SEED_URL = (
    "https://www.themoscowtimes.com/2021/12/02/"
    "us-urges-de-escalation-on-ukraine-as-russia-warns-of-nightmare-scenario-a75716"
)


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (SEED_URL, SEED_URL),
        (f"  {SEED_URL}  ", SEED_URL),
        (
            "http://www.dw.com/en/merkel/a-37443784?maca=en-rss-en-all-1573-rdf",
            "http://www.dw.com/en/merkel/a-37443784",
        ),
        (
            "http://abcnews.go.com/Politics/story?id=45310061&utm_source=x&UTM_Medium=y",
            "http://abcnews.go.com/Politics/story?id=45310061",
        ),
        (
            "HTTPS://WWW.BBC.CO.UK/news/world-38885017#comments",
            "https://www.bbc.co.uk/news/world-38885017",
        ),
        ("http://tass.com:80/politics/929533", "http://tass.com/politics/929533"),
        ("https://tass.com:8443/politics/1", "https://tass.com:8443/politics/1"),
        ("https://example.com/a?b=2&a=1&fbclid=xyz", "https://example.com/a?a=1&b=2"),
        ("https://example.com", "https://example.com/"),
        ("https://user:secret@example.com/a", "https://example.com/a"),
        ("https://example.com/a b", "https://example.com/a%20b"),
    ],
)
def test_canonical_url(url, canonical):
    assert canonical_url(url) == canonical


@pytest.mark.parametrize(
    "not_an_article",
    [
        "",
        "   ",
        "#",
        "#top",
        "javascript:alert(1)",
        "mailto:desk@example.com",
        "/2021/12/02/x",
        "ftp://example.com/a",
        "http://",
        "http://[::1",
        "https://example.com:notaport/",
    ],
)
def test_placeholders_other_schemes_and_broken_urls_give_empty(not_an_article):
    assert canonical_url(not_an_article) == ""


def test_canonical_url_is_idempotent():
    once = canonical_url("http://WWW.DW.com/en/x/a-1?maca=rss&z=1&a=2#f")

    assert canonical_url(once) == once


@pytest.mark.parametrize(
    ("url", "name"),
    [
        (SEED_URL, "The Moscow Times"),
        ("http://www.aljazeera.com/news/2017/02/x.html", "Al Jazeera"),
        ("http://tass.com/politics/929533", "TASS"),
        ("http://abcnews.go.com/Politics/x", "ABC News"),
        ("http://www.dw.com/en/x/a-1", "DW"),
        ("https://www.rte.ie/news/2017/0207/x/", "RT\N{LATIN CAPITAL LETTER E WITH ACUTE}"),
        ("http://www.huffingtonpost.com/entry/x", "HuffPost"),
        ("http://europe.chinadaily.com.cn/epaper/x.htm", "China Daily"),
        ("http://www.chinadaily.com.cn/world/x.htm", "China Daily"),
        ("http://www.bbc.co.uk/news/x", "BBC"),
        ("https://www.bbc.com/news/x", "BBC"),
        ("http://edition.cnn.com/2017/02/x", "CNN"),
        ("https://www.reuters.com/world/x", "Reuters"),
        ("https://news.example.org/a", "news.example.org"),
        ("https://www.example.org/a", "example.org"),
        ("tass.com", "TASS"),
        ("www.themoscowtimes.com", "The Moscow Times"),
        ("", ""),
    ],
)
def test_source_name(url, name):
    assert source_name(url) == name


def test_a_lookalike_domain_is_not_the_publication():
    assert source_name("https://notcnn.com/x") == "notcnn.com"
    assert source_name("https://go.com/x") == "go.com"  # only abcnews.go.com is ABC News


def test_the_rest_of_the_query_is_kept_as_printed():
    assert canonical_url("https://example.com/story?45310061") == (
        canonical_url("https://example.com/story?45310061&utm_campaign=x")
    )
    assert canonical_url("https://example.com/s?q=a%2Bb&utm_source=x") == (
        "https://example.com/s?q=a%2Bb"
    )


def test_ipv6_hosts_keep_their_brackets():
    assert canonical_url("http://[::1]:8000/a") == "http://[::1]:8000/a"
