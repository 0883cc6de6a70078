"""Search benchmark: Newsdesk through Django next to the SQL floor and a peer, same run.

    make bench                                  # builds the 100k corpus if needed, measures
    .venv/bin/python benchmarks/search_bench.py --repeat 20 [--no-peer] [--peer-db PATH]

For each query of a fixed mix it times, in one process on one database:

- API / HTML: the JSON API and the HTML search page through Django's test client
  (routing, forms, ORM, facets, templates: everything but the socket);
- floor: the same answer (capped count, the first page ranked the same way, four facets)
  from hand-written SQL over psycopg, no Django: what the design costs in PostgreSQL;
- exact: the textbook query, for reference: rank every match, count and facet every
  match (what capping saves);
- Datasette: the same corpus exported to SQLite FTS5 and served by Datasette over HTTP
  on loopback, asked for the same page, count and facets (benchmarks/datasette_peer.py
  lists where the two differ).

It prints p50 / p95 / max in milliseconds and the ratios Newsdesk / floor and
Newsdesk / Datasette (p50 against p50), plus the overlap of the capped ranking's top 20
with the exact ranking's. Timings vary with the machine: this prints, it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")
# Production settings (debug off): debug mode records every query and slows rendering.
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECURE", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-not-secret")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from articles import search  # noqa: E402
from articles.models import Article, Person, Place  # noqa: E402
from articles.querysets import SEARCH_CONFIG  # noqa: E402
from benchmarks.datasette_peer import PeerError  # noqa: E402


def query_mix() -> list[tuple[str, dict]]:
    """The queries, as request parameters; filters use the most-mentioned entities."""
    person = Person.objects.with_article_counts().order_by("-article_count").first()
    country = (
        Place.objects.filter(kind="country").with_article_counts().order_by("-article_count")
    ).first()
    last = Article.objects.order_by("-published_on").values_list("published_on", flat=True)[0]
    mix = [
        ("rare word", {"q": "tsunami"}),
        ("common word", {"q": "said"}),
        ("phrase", {"q": '"prime minister"'}),
    ]
    if country:
        mix.append(
            ("2 words + country", {"q": "election president", "country": country.country_code})
        )
    if person:
        mix.append(("person alone", {"person": person.slug}))
    month = {"date_from": str(last - timedelta(days=30)), "date_to": str(last)}
    year = {"date_from": str(last - timedelta(days=365)), "date_to": str(last)}
    mix += [("date range alone", month), ("word + dates", {"q": "sanctions", **year})]
    return mix


# --- The floor: the same answer from hand-written SQL ----------------------------------

FACETS_SQL = """
    WITH matched AS MATERIALIZED (
        SELECT source, people, organizations, countries FROM articles_articlefacets
        WHERE article_id = ANY(%(ids)s::bigint[]))
    (SELECT 'p', v::text, count(*) n FROM matched, unnest(people) v
       GROUP BY v ORDER BY n DESC, v LIMIT 10)
    UNION ALL (SELECT 'o', v::text, count(*) n FROM matched, unnest(organizations) v
       GROUP BY v ORDER BY n DESC, v LIMIT 10)
    UNION ALL (SELECT 'c', v, count(*) n FROM matched, unnest(countries) v
       GROUP BY v ORDER BY n DESC, v LIMIT 10)
    UNION ALL (SELECT 's', source, count(*) n FROM matched WHERE source <> ''
       GROUP BY source ORDER BY n DESC, source LIMIT 10)
"""


def _where(params: dict) -> tuple[str, dict]:
    clauses, values = [], {}
    if "q" in params:
        clauses.append(f"a.search_vector @@ websearch_to_tsquery('{SEARCH_CONFIG}', %(q)s)")
        values["q"] = params["q"]
    if "place_ids" in params:
        clauses.append(
            "EXISTS (SELECT 1 FROM articles_placemention t WHERE t.article_id = a.id"
            " AND t.entity_id = ANY(%(place_ids)s::bigint[])"
            " AND t.state IN ('suggested', 'confirmed'))"
        )
        values["place_ids"] = params["place_ids"]
    if "person_id" in params:
        clauses.append(
            "EXISTS (SELECT 1 FROM articles_personmention t WHERE t.article_id = a.id"
            " AND t.entity_id = %(person_id)s AND t.state IN ('suggested', 'confirmed'))"
        )
        values["person_id"] = params["person_id"]
    if "date_from" in params:
        clauses.append("a.published_on BETWEEN %(date_from)s AND %(date_to)s")
        values.update(date_from=params["date_from"], date_to=params["date_to"])
    return " AND ".join(clauses) or "true", values


def _resolved(cursor, params: dict) -> dict:
    """Person and country filters by id, as the app resolves them (the planner then
    knows how common each is)."""
    resolved = dict(params)
    if "person" in params:
        cursor.execute("SELECT id FROM articles_person WHERE slug = %s", [params["person"]])
        resolved["person_id"] = cursor.fetchone()[0]
    if "country" in params:
        cursor.execute("SELECT id FROM articles_place WHERE country_code = %s", [params["country"]])
        resolved["place_ids"] = [row[0] for row in cursor.fetchall()]
    return resolved


def _newest(cursor, where: str, values: dict, n: int) -> list[int]:
    """The newest n matches: windows of the newest articles sized as
    newest_text_match_ids sizes them, then all, each answered inside the dated index."""
    cursor.execute(
        "SELECT reltuples::bigint FROM pg_class WHERE oid = 'articles_article'::regclass"
    )
    archive = cursor.fetchone()[0]
    window = 2 * n
    for _attempt in range(4):
        if archive >= 0 and window > archive // 2:
            break
        cursor.execute(
            "SELECT published_on - DATE '1970-01-01' FROM articles_article"
            " ORDER BY published_on DESC OFFSET %s LIMIT 1",
            [window - 1],
        )
        row = cursor.fetchone()
        if row is None:
            break
        if (
            "date_from" in values
            and row[0] <= (date.fromisoformat(values["date_from"]) - EPOCH).days
        ):
            break  # the window reaches past the date filter: all at once (as the app does)
        newest = _newest_in(cursor, where, values, n, f" AND {DAY} >= {int(row[0])}")
        if len(newest) == n:
            return newest
        if archive > 0 and len(newest) * archive < n * window:
            break  # too sparse for any window: all at once (as the app does)
        window = min(8 * window, max(2 * window, n * window * 5 // (4 * max(len(newest), 1))))
    return _newest_in(cursor, where, values, n, "")


EPOCH = date(1970, 1, 1)
DAY = "(a.published_on - DATE '1970-01-01')"


def _newest_in(cursor, where: str, values: dict, n: int, day_clause: str) -> list[int]:
    """One look for the newest n matches, kept off the date index (as in the app)."""
    cursor.execute("SET LOCAL enable_indexscan = off")
    cursor.execute(
        f"SELECT id FROM articles_article a WHERE {where}{day_clause}"
        " ORDER BY published_on DESC, id DESC LIMIT %(n)s",
        {**values, "n": n},
    )
    newest = [row[0] for row in cursor.fetchall()]
    cursor.execute("SET LOCAL enable_indexscan = on")
    return newest


def floor(cursor, params: dict) -> list[int]:
    """Newsdesk's plan without Django: capped ids, newest candidates, rank, facets."""
    where, values = _where(_resolved(cursor, params))
    text = "q" in params
    if text:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")
    if text:  # newest first, from the dated search index
        ids = _newest(cursor, where, values, search.COUNT_CAP + 1)
        sample = ids[: search.RANK_CANDIDATES] if len(ids) > search.COUNT_CAP else ids
        ids_for_rank = ids[: search.RANK_CANDIDATES]
    else:
        cursor.execute(
            f"SELECT id FROM articles_article a WHERE {where} LIMIT %(n)s",
            {**values, "n": search.COUNT_CAP + 1},
        )
        ids = [row[0] for row in cursor.fetchall()]
        sample = ids
        if len(ids) > search.COUNT_CAP:
            cursor.execute(
                f"SELECT id FROM articles_article a WHERE {where}"
                " ORDER BY published_on DESC, id DESC LIMIT %(n)s",
                {**values, "n": search.RANK_CANDIDATES},
            )
            sample = [row[0] for row in cursor.fetchall()]
    if text:
        ranked = ids_for_rank
        # Rank on ids and vectors only; the page's 20 bodies are read after the LIMIT.
        cursor.execute(
            f"SELECT page.id, ts_headline('{SEARCH_CONFIG}', a.body, q, 'MaxFragments=2')"
            f" FROM (SELECT a.id, ts_rank_cd(a.search_vector, q, 1) AS r, a.published_on"
            f"       FROM articles_article a, websearch_to_tsquery('{SEARCH_CONFIG}', %(q)s) q"
            f"       WHERE a.id = ANY(%(ids)s::bigint[])"
            f"       ORDER BY r DESC, a.published_on DESC, a.id DESC LIMIT 20) AS page"
            f" JOIN articles_article a ON a.id = page.id,"
            f" websearch_to_tsquery('{SEARCH_CONFIG}', %(q)s) q"
            f" ORDER BY page.r DESC, page.published_on DESC, page.id DESC",
            {"q": params["q"], "ids": ranked},
        )
    else:
        cursor.execute(
            f"SELECT id, title FROM articles_article a WHERE {where}"
            " ORDER BY published_on DESC, id DESC LIMIT 20",
            values,
        )
    page = [row[0] for row in cursor.fetchall()]
    cursor.execute(FACETS_SQL, {"ids": sample})
    cursor.fetchall()
    return page


def exact(cursor, params: dict) -> list[int]:
    """The textbook answer: rank every match, count every match, facet every match."""
    where, values = _where(_resolved(cursor, params))
    order = (
        f"ts_rank_cd(a.search_vector, websearch_to_tsquery('{SEARCH_CONFIG}', %(q)s), 1) DESC,"
        if "q" in params
        else ""
    )
    cursor.execute(
        f"SELECT id FROM articles_article a WHERE {where}"
        f" ORDER BY {order} published_on DESC, id DESC LIMIT 20",
        values,
    )
    page = [row[0] for row in cursor.fetchall()]
    cursor.execute(f"SELECT count(*) FROM articles_article a WHERE {where}", values)
    cursor.execute(
        FACETS_SQL.replace(
            "WHERE article_id = ANY(%(ids)s::bigint[])",
            f"WHERE article_id IN (SELECT id FROM articles_article a WHERE {where})",
        ),
        values,
    )
    cursor.fetchall()
    return page


# --- Timing ----------------------------------------------------------------------------


def time_call(fn, repeat: int) -> list[float]:
    fn()  # warm: plans, caches
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, ordered[-1]


def in_transaction(fn, params):
    from django.db import transaction

    def run():
        with transaction.atomic(), connection.cursor() as wrapper:
            return fn(wrapper.cursor, params)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per query")
    parser.add_argument("--no-peer", action="store_true", help="skip Datasette")
    parser.add_argument("--no-exact", action="store_true", help="skip the exact SQL")
    parser.add_argument(
        "--slow-repeat",
        type=int,
        default=3,
        help="timed runs for the exact SQL and Datasette, which take seconds (default 3)",
    )
    parser.add_argument(
        "--queries", default="", help="comma-separated labels of the mix to run (default: all)"
    )
    parser.add_argument(
        "--peer-db", type=Path, default=None, help="SQLite file for Datasette (default: tmp)"
    )
    args = parser.parse_args()

    from django.core.management import call_command

    call_command("collectstatic", "--no-input", verbosity=0)  # pages need the manifest
    client = Client(HTTP_HOST="localhost")
    total = Article.objects.count()
    mix = query_mix()
    if args.queries:
        wanted = {label.strip() for label in args.queries.split(",")}
        mix = [(label, params) for label, params in mix if label in wanted]
    peer = None
    if not args.no_peer:
        peer = start_peer(args.peer_db, total)

    print(f"Archive: {total:,} articles; {args.repeat} runs per query after one warm-up")
    header = (
        f"{'query':<18} {'target':<9} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
        f" {'API/floor':>10} {'API/peer':>9}"
    )
    print(header)
    print("-" * len(header))
    worst_p95, overlaps = 0.0, {}
    try:
        for label, params in mix:
            rows = {}
            floor_p50 = peer_p50 = None
            for target, url in (("API", "/api/articles/"), ("HTML", "/search/")):

                def request(url=url, params=params):
                    response = client.get(url, params)
                    assert response.status_code == 200, (url, params, response.status_code)

                rows[target] = summary(time_call(request, args.repeat))
                worst_p95 = max(worst_p95, rows[target][1])
            rows["floor"] = summary(time_call(in_transaction(floor, params), args.repeat))
            floor_p50 = rows["floor"][0]
            if not args.no_exact:
                rows["exact SQL"] = summary(
                    time_call(in_transaction(exact, params), args.slow_repeat)
                )
            peer_gave_up = None
            if peer is not None:
                try:
                    rows["Datasette"] = summary(
                        time_call(lambda params=params: peer.get(params), args.slow_repeat)
                    )
                    peer_p50 = rows["Datasette"][0]
                except PeerError as error:
                    # Past its time limit Datasette drops the count or a facet: that
                    # query has no comparable answer, and the rest of the mix goes on.
                    peer_gave_up = str(error).splitlines()[0][:160]
            if "q" in params:
                capped = in_transaction(floor, params)()
                textbook = in_transaction(exact, params)()
                overlaps[label] = len(set(capped) & set(textbook))
            api_p50 = rows["API"][0]
            for target, (p50, p95, worst) in rows.items():
                ratio_floor = f"{api_p50 / floor_p50:9.2f}x" if target == "API" else ""
                ratio_peer = f"{api_p50 / peer_p50:8.2f}x" if target == "API" and peer_p50 else ""
                print(
                    f"{label:<18} {target:<9} {p50:8.1f} {p95:8.1f} {worst:8.1f}"
                    f" {ratio_floor:>10} {ratio_peer:>9}"
                )
            if peer_gave_up:
                print(f"{label:<18} {'Datasette':<9} gave up: {peer_gave_up}")
    finally:
        if peer is not None:
            peer.stop()
    if overlaps:
        print(
            "Top-20 overlap, capped ranking vs exact: "
            + ", ".join(f"{label} {n}/20" for label, n in overlaps.items())
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"Done: {len(mix)} queries on {total:,} articles, worst p95 through Django"
        f" {worst_p95:.1f} ms, peak RSS of this process {rss:.0f} MB."
    )


def start_peer(path: Path | None, total: int):
    """Export the archive to SQLite (once per corpus size) and start Datasette."""
    try:
        from benchmarks.datasette_peer import DatasettePeer, export_corpus
    except ImportError as error:  # the bench extra is not installed
        print(f"Datasette peer skipped: {error}")
        return None
    from django.db import connection as db

    path = path or Path(f"/tmp/newsdesk-peer-{total}.db")
    if not path.exists():
        settings = db.settings_dict
        dsn = db.get_connection_params()
        figures = export_corpus(_dsn(settings, dsn), path)
        print(f"Datasette corpus: {figures}")
    peer = DatasettePeer(path)
    peer.start()
    return peer


def _dsn(settings: dict, params: dict) -> str:
    from psycopg.conninfo import make_conninfo

    keys = ("host", "port", "dbname", "user", "password")
    return make_conninfo(**{k: params[k] for k in keys if params.get(k)})


if __name__ == "__main__":
    main()
