"""The benchmark corpus builder's pure parts, on tiny inputs (no ../shared needed)."""

from __future__ import annotations

import gzip
import random
from datetime import date, time

import pytest

from benchmarks import corpus
from benchmarks.corpus import BenchEntity, EntityPool, Headline, SentencePool

HEADER = "published\ttitle\turl\n"


def _headlines_file(tmp_path, lines: list[str]):
    path = tmp_path / "headlines.tsv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        stream.write(HEADER + "".join(line + "\n" for line in lines))
    return path


def test_headlines_are_spread_over_the_file_and_skip_rows_without_a_title(tmp_path):
    lines = [
        f"2007-01-{day:02d}T10:{day:02d}\tHeadline {day}\thttp://r.com/{day}"
        for day in range(1, 11)
    ]
    lines[4] = "2007-01-05\t\thttp://r.com/5"  # no title
    path = _headlines_file(tmp_path, lines)

    spread = list(corpus.iter_headlines(path, 5, rows=10))

    # Every 2nd row first (rows 0, 2, 4 has no title, 6, 8), then the rows in between.
    assert [h.title for h in spread] == [
        "Headline 1",
        "Headline 3",
        "Headline 7",
        "Headline 9",
        "Headline 2",
    ]
    assert spread[0].published_on == date(2007, 1, 1)
    assert spread[0].published_time == time(10, 1)


def test_a_date_without_a_time_has_no_time(tmp_path):
    path = _headlines_file(tmp_path, ["2016-08-04\tA title\thttp://r.com/a"])
    [headline] = corpus.iter_headlines(path, 1, rows=1)
    assert (headline.published_on, headline.published_time) == (date(2016, 8, 4), None)


def test_sentences_and_article_lengths_come_from_the_csv(tmp_path):
    path = tmp_path / "articles.csv"
    path.write_text(
        "article_id,publish_date,article_source_link,title,subtitle,text\n"
        '1,2017/2/7,http://x/1,T,,"First one. Second ""?quoted"" one! Third?"\n'
        "2,2017/2/7,http://x/2,T,,\n"
        "3,2017/2/7,http://x/3,T,,Only sentence.\n",
        encoding="utf-8",
    )
    pool = corpus.read_sentences(path)
    assert pool.sentences == ["First one.", 'Second "quoted" one!', "Third?", "Only sentence."]
    assert pool.lengths == [3, 1]  # the empty body is left out


def _entities() -> dict[str, EntityPool]:
    def pool(kind, names):
        return EntityPool(kind, [BenchEntity(f"{kind}:{n}", kind, n) for n in names])

    return {
        "place": pool("place", [f"Place{i}" for i in range(40)]),
        "person": pool("person", [f"Person{i}" for i in range(20)]),
        "organization": pool("organization", [f"Org{i}" for i in range(20)]),
    }


def _generate(seed: int, headlines: list[Headline]):
    pool = SentencePool([f"Sentence number {i} ends here." for i in range(50)], [3, 8, 12])
    return list(
        corpus.generate(
            iter(headlines), pool, _entities(), random.Random(seed), source_name=lambda u: "Reuters"
        )
    )


HEADLINES = [
    Headline(date(2010, 5, d), None, f"Title {d}", f"http://reuters.com/{d % 3}")
    for d in range(1, 7)
]


def test_the_same_seed_builds_the_same_corpus():
    assert _generate(7, HEADLINES) == _generate(7, HEADLINES)
    assert _generate(7, HEADLINES) != _generate(8, HEADLINES)


def test_keys_are_prefixed_and_a_repeated_url_gets_a_numbered_key():
    keys = [a.key for a in _generate(1, HEADLINES)]
    assert keys[:4] == [
        "bench:http://reuters.com/1",
        "bench:http://reuters.com/2",
        "bench:http://reuters.com/0",
        "bench:http://reuters.com/1#2",
    ]
    assert len(set(keys)) == len(keys)


def test_every_tagged_entity_is_named_in_the_body_at_its_offsets():
    for article in _generate(3, HEADLINES):
        assert article.mentions
        assert article.body == "\n\n".join(block["text"] for block in article.blocks)
        for mention in article.mentions:
            assert len(mention.offsets) == mention.count
            for offset in mention.offsets:
                assert article.body[offset : offset + len(mention.surface)] == mention.surface
            assert mention.surface in mention.evidence


def test_the_draw_is_skewed_towards_the_first_entities():
    pool = _entities()["place"]
    rng = random.Random(0)
    drawn = [e.name for _ in range(2000) for e in pool.draw(rng, 3)]
    assert drawn.count("Place0") > 5 * drawn.count("Place30")
    assert all(len({e.key for e in pool.draw(rng, 5)}) == 5 for _ in range(50))


def test_the_command_refuses_clearly_without_the_shared_corpus(tmp_path, monkeypatch):
    from django.core.management import CommandError, call_command

    monkeypatch.setattr(corpus, "SHARED_CORPUS", tmp_path / "nowhere")
    with pytest.raises(CommandError, match="is missing: the benchmark corpus is built from"):
        call_command("build_bench_corpus", "--articles", "10", "--no-progress")


def _tiny_shared(tmp_path):
    """A shared corpus in miniature: 6 headlines, 3 articles' worth of sentences."""
    lines = [
        f"2015-03-{d:02d}T08:00\tHeadline about volcanoes {d}\thttp://www.reuters.com/a/{d}"
        for d in range(1, 7)
    ]
    gz = tmp_path / corpus.HEADLINES_FILE
    with gzip.open(gz, "wt", encoding="utf-8") as stream:
        stream.write(HEADER + "".join(line + "\n" for line in lines))
    (tmp_path / corpus.ARTICLES_FILE).write_text(
        "article_id,publish_date,article_source_link,title,subtitle,text\n"
        '1,2017/2/7,http://x/1,T,,"Russia and China met in Moscow. The talks ended. It rained."\n'
        '2,2017/2/7,http://x/2,T,,"Angela Merkel spoke. Germany agreed."\n'
        '3,2017/2/7,http://x/3,T,,"NATO said nothing. The sea was calm. Ships left. All went."\n',
        encoding="utf-8",
    )
    return tmp_path


@pytest.mark.django_db(transaction=True)
def test_build_copies_articles_and_mentions_in_and_restores_the_indexes(tmp_path):
    from django.db import connection

    from articles.models import Article, PersonMention, PlaceMention

    shared = _tiny_shared(tmp_path)
    report = corpus.build(6, seed=1, shared=shared)

    assert report.articles == Article.objects.filter(key__startswith="bench:").count() == 6
    assert report.mentions == sum(
        model.objects.count()
        for model in (PersonMention, PlaceMention, Article.organizations.through)
    )
    assert PlaceMention.objects.filter(state="suggested", origin="gazetteer").exists()
    assert Article.objects.search("volcanoes").count() == 6  # the generated vector works
    article = Article.objects.get(key="bench:http://www.reuters.com/a/3")
    assert article.source == "Reuters" and article.source_domain == "reuters.com"
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'articles_article'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert {"article_search_idx", "article_newest_idx"} <= indexes
    # The facet rows, written in one pass after the load, say what the tags say; the
    # triggers that keep them are on again for the writes that follow.
    for article in Article.objects.select_related("facets"):
        people = sorted(set(article.personmention_set.values_list("entity_id", flat=True)))
        countries = sorted(
            set(
                article.placemention_set.exclude(entity__country_code="").values_list(
                    "entity__country_code", flat=True
                )
            )
        )
        assert (article.facets.people, article.facets.countries) == (people, countries)
        assert article.facets.source == article.source
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgname LIKE %s AND tgenabled = 'D'",
            ["%facets_insert"],
        )
        assert cursor.fetchall() == []

    again = corpus.build(6, seed=1, replace=True, shared=shared)
    assert again.deleted == 6
    assert Article.objects.count() == 6
