"""Load test of the web tier: gunicorn with production settings under simulated readers.

    make loadtest                                  # DATABASE_URL, else the embedded database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nd_100k make loadtest
    .venv/bin/python benchmarks/load_test.py --users 50 --duration 60 --saturation-duration 15
    .venv/bin/python benchmarks/load_test.py --compare-workers   # 2 sync vs 3 gthread

What it does, bounded in time from start to end:

1. Reads a plan from the database (read-only): random article ids, people, organizations
   and countries weighted by how often articles mention them, the date span. The search
   mix: rare word, common word, phrase, word + country, person filter, date range, and
   page 2 of some of them; the same searches through the JSON API; article pages;
   person, organization and country pages; the home and index pages; name lookups.
2. Collects static files into a temporary STATIC_ROOT (a one-line settings module that
   imports newsdesk.settings and changes only STATIC_ROOT) and starts gunicorn with the
   production settings: DJANGO_DEBUG=0, DJANGO_SECURE=1 (HTTPS redirects, HSTS, secure
   cookies), DJANGO_SECRET_KEY from the environment or a throwaway one,
   DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost. With DJANGO_SECURE on, the settings trust
   SECURE_PROXY_SSL_HEADER = X-Forwarded-Proto, so every request carries
   `X-Forwarded-Proto: https`, as it would behind the TLS-terminating proxy; the script
   checks that a request without it is redirected (301) and one with it is served (200).
3. Readers: locust (benchmarks/locustfile.py), N users each viewing a page, then
   thinking 1-3 s, for the given time. Every request's latency is recorded; the table
   gives requests, throughput and nearest-rank p50/p95/p99/max per page kind.
4. Saturation: a short closed loop with no think time (wrk with a Lua script rotating
   through the same mix, or locust without waits when wrk is missing). It measures the
   maximum throughput of this server on this machine: a different measure from the
   readers' latencies, and labelled so.
5. Reports how busy the machine was before the test (and with what), the CPU the load
   generator used (getrusage of the child), the CPU gunicorn used, each worker's
   resident memory (VmRSS from /proc/PID/status) after the run, and any 500s with their
   URLs and tracebacks from gunicorn's logs; then stops gunicorn. Between the phases it
   waits for gunicorn to serve what the readers gave up on (a client that times out
   does not take its request back from the queue), so saturation starts on an idle
   server. A request unanswered after --request-timeout (30 s) counts as a timeout.

The load generator runs on the same 2-core machine as gunicorn and PostgreSQL, so it
competes with them for CPU: the generator CPU line says how much.

Workers: 3 gthread workers x 2 threads by default. `--compare-workers` runs the whole
test for 2 sync workers (one per core) and for 3 gthread x 2; at 100,000 articles, on a
2-core machine busy with other work, gthread served 3.1 readers' req/s against 2.0 with
33 timeouts against 84, and saturated at 2.3 req/s against 1.2, for 76 MB a worker
against 72. A request keeps one core busy at a time (Python, then PostgreSQL, in turn),
so 2 sync workers could fill 2 cores in principle; but with them one slow search blocks
whatever is queued behind it (static files and article pages waited seconds behind
searches), and the round trips between Python and the database leave gaps. Six threads
let cheap pages pass slow ones; the database sees at most 6 connections. (On a shared
machine more threads also win a larger share of the CPU, which flatters gthread: worth
re-measuring on a quiet machine.)

Exit status: 0 when no request failed, 1 when any did, 2 when the run could not be set up.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
VISIBLE_STATES = ("suggested", "confirmed")  # articles.querysets.VISIBLE_STATES
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# Page kinds and how often a reader views each (relative weights: search ~30 %, article
# pages 25 %, entity pages 16 %, index pages 10 %, API ~13 %).
WEIGHTS = {
    "search: rare word": 5,
    "search: common word": 4,
    "search: phrase": 4,
    "search: word+country": 4,
    "search: person": 3,
    "search: date range": 3,
    "search: page 2": 3,
    "article": 25,
    "person page": 6,
    "organization page": 5,
    "country page": 5,
    "index pages": 10,
    "api: articles": 10,
    "api: entities": 3,
}


class SetupError(Exception):
    """The run could not start: said in one line, exit status 2."""


# --- the plan: what readers ask for ---------------------------------------------------


def database_url(explicit: str | None) -> str:
    """--database-url, else DATABASE_URL, else the embedded database (started if needed)."""
    if explicit:
        return explicit
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    sys.path.insert(0, str(ROOT))
    from newsdesk.embedded_db import DATABASE_NAME, embedded_database_settings

    data_dir = Path(os.environ.get("NEWSDESK_DATA_DIR", ROOT / ".pgdata"))
    settings = embedded_database_settings(data_dir)
    return f"postgres://postgres@{quote(settings['HOST'], safe='')}/{DATABASE_NAME}"


def build_plan(url: str, *, seed: int) -> dict:
    """Paths for each page kind, read from the archive in a read-only transaction."""
    import psycopg

    rng = random.Random(seed)
    with psycopg.connect(url, options="-c default_transaction_read_only=on") as conn:

        def column(sql: str, *params) -> list:
            return [row[0] for row in conn.execute(sql, params).fetchall()]

        ids = column("SELECT id FROM articles_article")
        if not ids:
            raise SetupError("the archive holds no articles: import some first")
        first, last = conn.execute(
            "SELECT min(published_on), max(published_on) FROM articles_article"
        ).fetchone()

        def mentioned(kind: str, key: str, extra: str = "", limit: int = 40) -> list[str]:
            # A random sample of mentions, so popular entities come up more often, as
            # they do for readers who follow links from articles.
            return column(
                f"""SELECT e.{key} FROM articles_{kind}mention m
                    JOIN articles_{kind} e ON e.id = m.entity_id
                    WHERE m.state = ANY(%s) {extra} ORDER BY random() LIMIT %s""",
                list(VISIBLE_STATES),
                limit,
            )

        def most_mentioned(kind: str, key: str, extra: str = "") -> str | None:
            rows = column(
                f"""SELECT e.{key} FROM articles_{kind}mention m
                    JOIN articles_{kind} e ON e.id = m.entity_id
                    WHERE m.state = ANY(%s) {extra}
                    GROUP BY e.{key} ORDER BY count(*) DESC LIMIT 1""",
                list(VISIBLE_STATES),
            )
            return rows[0] if rows else None

        country_only = "AND e.kind = 'country' AND e.country_code <> ''"
        people = mentioned("person", "slug")
        person_names = mentioned("person", "name", limit=10)
        organizations = mentioned("organization", "slug")
        countries = [code.lower() for code in mentioned("place", "country_code", country_only)]
        top_person = most_mentioned("person", "slug")
        top_country = most_mentioned("place", "country_code", country_only)
        article_total = len(ids)

    middle = first + (last - first) / 2
    month_start = first + timedelta(days=rng.randrange(max(1, (last - first).days - 30) or 1))
    searches = {
        "search: rare word": [{"q": "tsunami"}, {"q": "chess"}],
        "search: common word": [{"q": "said"}, {"q": "government"}],
        "search: phrase": [{"q": '"prime minister"'}, {"q": '"foreign minister"'}],
        "search: word+country": [
            {"q": "election", "country": top_country},
            {"q": "sanctions", "country": top_country},
        ]
        if top_country
        else [],
        "search: person": [{"person": top_person}] + [{"person": slug} for slug in people[:3]]
        if top_person
        else [],
        "search: date range": [
            {"date_from": str(middle), "date_to": str(last)},
            {"date_from": str(month_start), "date_to": str(month_start + timedelta(days=30))},
        ],
        "search: page 2": [
            {"q": "sanctions", "page": 2},
            {"q": "said", "page": 2},
            *([{"person": top_person, "page": 2}] if top_person else []),
        ],
    }
    kinds: dict[str, list[str]] = {
        kind: [f"/search/?{urlencode(params)}" for params in variants]
        for kind, variants in searches.items()
    }
    kinds["article"] = [f"/articles/{pk}/" for pk in rng.sample(ids, min(500, len(ids)))]
    kinds["person page"] = [f"/people/{slug}/" for slug in people]
    kinds["organization page"] = [f"/organizations/{slug}/" for slug in organizations]
    kinds["country page"] = [f"/countries/{code}/" for code in countries]
    kinds["index pages"] = ["/", "/people/", "/organizations/", "/countries/"]
    kinds["api: articles"] = [
        f"/api/articles/?{urlencode(params)}"
        for variants in searches.values()
        for params in variants
    ]
    names = [name.split()[-1].lower() for name in person_names] or ["putin"]
    kinds["api: entities"] = [f"/api/entities/?{urlencode({'q': n})}" for n in [*names, "lavrof"]]
    return {
        "article_total": article_total,
        "kinds": {
            kind: {"weight": WEIGHTS[kind], "paths": paths}
            for kind, paths in kinds.items()
            if paths  # a small archive may have no people, say
        },
    }


# --- processes --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(url: str, settings_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECURE="1",
        DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="loadtest_settings",
        PYTHONPATH=os.pathsep.join([str(settings_dir), str(ROOT)]),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def collect_static(env: dict[str, str], static_root: Path, *, collect: bool) -> str:
    """Collect into `static_root` (unless told it holds them); the stylesheet's URL path."""
    if collect:
        result = subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode:
            raise SetupError(f"collectstatic failed: {result.stderr.strip()[-2000:]}")
    manifest_path = static_root / "staticfiles.json"
    if not manifest_path.exists():
        raise SetupError(f"{static_root} holds no staticfiles.json: collect static files first")
    manifest = json.loads(manifest_path.read_text())["paths"]
    return "/static/" + manifest["css/newsdesk.css"]


def write_settings(settings_dir: Path, static_root: Path) -> None:
    """The production settings with one change: STATIC_ROOT, so nothing else is touched."""
    (settings_dir / "loadtest_settings.py").write_text(
        f"from newsdesk.settings import *  # noqa: F403\n\nSTATIC_ROOT = {str(static_root)!r}\n"
    )


@dataclass
class WorkerConfig:
    worker_class: str = "sync"
    workers: int = 2
    threads: int = 1

    def __str__(self) -> str:
        threads = f" x {self.threads} threads" if self.worker_class == "gthread" else ""
        return f"{self.workers} {self.worker_class} workers{threads}"

    def argv(self) -> list[str]:
        argv = ["--workers", str(self.workers), "--worker-class", self.worker_class]
        return [*argv, "--threads", str(self.threads)] if self.worker_class == "gthread" else argv


class Gunicorn:
    """gunicorn in its own process group, logging to files; stopped however the run ends."""

    def __init__(self, config: WorkerConfig, env: dict[str, str], out: Path, port: int):
        self.config, self.env, self.port = config, env, port
        self.log = out / "gunicorn.log"
        self.access_log = out / "gunicorn-access.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        argv = [
            str(BIN / "gunicorn"),
            "newsdesk.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            *self.config.argv(),
            # As docker-compose.yml runs it: an access log line per request.
            "--access-logfile",
            str(self.access_log),
            "--error-logfile",
            "-",
            # gunicorn's default --timeout (30 s), as in production; a quick stop at the end.
            "--graceful-timeout",
            "10",
        ]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SetupError(f"gunicorn exited at start:\n{self.log_tail()}")
            with contextlib.suppress(OSError):
                if self.get("/healthz", headers={})[0] == 200 and len(self.workers()) >= 1:
                    return
            time.sleep(0.25)
        raise SetupError(f"gunicorn did not answer /healthz within {timeout:.0f} s")

    def get(self, path: str, headers=PROXY_HEADERS, timeout: float = 60) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            return response.status, response.getheader("Location") or ""
        finally:
            conn.close()

    def drain(self, timeout: float) -> float:
        """Wait until requests abandoned by the clients (timeouts) are served; seconds taken.

        A client that gives up does not take its request back from gunicorn's queue: the
        workers still serve it. /healthz queues behind them, so its answer means the
        backlog is gone and the next phase starts on an idle server.
        """
        started = time.monotonic()
        with contextlib.suppress(OSError):
            self.get("/healthz", headers={}, timeout=max(120.0, 4 * timeout))
        return time.monotonic() - started

    def failed_urls(self) -> Counter:
        """Full URLs (query strings too) that gunicorn's access log shows answered >= 500."""
        failed: Counter = Counter()
        with contextlib.suppress(OSError):
            for line in self.access_log.read_text(errors="replace").splitlines():
                if match := re.search(r'"GET (\S+) HTTP/[\d.]+" (5\d\d) ', line):
                    failed[f"{match.group(2)} {match.group(1)}"] += 1
        return failed

    def workers(self) -> list[int]:
        if not self.process:
            return []
        pids = []
        for status in Path("/proc").glob("[0-9]*/status"):
            with contextlib.suppress(OSError):
                if f"\nPPid:\t{self.process.pid}\n" in status.read_text():
                    pids.append(int(status.parent.name))
        return sorted(pids)

    def cpu_seconds(self) -> float:
        """User + system CPU of the master and its live workers so far."""
        total = 0
        for pid in [self.process.pid, *self.workers()] if self.process else []:
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
        return total / CLOCK_TICKS

    def worker_rss_mb(self) -> dict[int, float]:
        rss = {}
        for pid in self.workers():
            with contextlib.suppress(OSError, StopIteration):
                line = next(
                    line
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                    if line.startswith("VmRSS:")
                )
                rss[pid] = int(line.split()[1]) / 1024
        return rss

    def stop(self) -> None:
        if not self.process or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def server_errors(self) -> tuple[Counter, dict[str, str]]:
        """The paths of the 500s the log reports, and the traceback of each path's first."""
        paths: Counter = Counter()
        tracebacks: dict[str, str] = {}
        lines = self.log.read_text(errors="replace").splitlines()
        for index, line in enumerate(lines):
            if not line.startswith("Internal Server Error: "):
                continue
            path = line.removeprefix("Internal Server Error: ")
            paths[path] += 1
            if path not in tracebacks:
                block = [line]
                for following in lines[index + 1 : index + 80]:
                    # The next log record: gunicorn's "[date] ..." or Django's "Xxx: /path".
                    if following.startswith("[") or re.match(r"^[A-Z][\w ]+: /", following):
                        break
                    block.append(following)
                tracebacks[path] = "\n".join(block)
        return paths, tracebacks


def cpu_busy_snapshot() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def background_load(seconds: float) -> tuple[float, list[tuple[str, float]]]:
    """How busy the machine is before the test starts, and the busiest processes then."""

    def per_process() -> dict[str, int]:
        ticks = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                ticks[stat.parent.name] = int(fields[11]) + int(fields[12])
        return ticks

    busy, total = cpu_busy_snapshot()
    before = per_process()
    time.sleep(max(seconds, 0.1))
    after = per_process()
    busy_after, total_after = cpu_busy_snapshot()
    top = sorted(((pid, after[pid] - before.get(pid, 0)) for pid in after), key=lambda x: -x[1])[:3]
    named = []
    for pid, ticks in top:
        share = ticks / CLOCK_TICKS / max(seconds, 0.1)
        if share < 0.05:
            continue
        with contextlib.suppress(OSError):
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            first = argv[0].decode(errors="replace")
            # A process title ("postgres: 15/main: ...") is not a path.
            words = [first if ": " in first else Path(first).name]
            words += [a.decode(errors="replace") for a in argv[1:4] if a]
            named.append((" ".join(words)[:70], share))
    return (busy_after - busy) / max(1, total_after - total), named


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Phase:
    """One measured phase: its samples (kind, ms, status, error) and the CPU it cost."""

    title: str
    samples: list[list] = field(default_factory=list)
    seconds: float = 0.0
    generator_cpu: float = 0.0
    server_cpu: float = 0.0
    machine_busy: float = 0.0
    summary_only: dict | None = None  # wrk gives one overall distribution, no kinds
    log: Path | None = None
    generator: str = "locust"
    wall: float = 0.0  # the generator's whole life, for its CPU share


@contextlib.contextmanager
def measured(phase: Phase, server: Gunicorn):
    generator, served, (busy, total) = (
        children_cpu_seconds(),
        server.cpu_seconds(),
        (cpu_busy_snapshot()),
    )
    started = time.monotonic()
    yield
    phase.wall = time.monotonic() - started
    phase.seconds = phase.seconds or phase.wall
    phase.generator_cpu = children_cpu_seconds() - generator
    phase.server_cpu = server.cpu_seconds() - served
    busy_after, total_after = cpu_busy_snapshot()
    phase.machine_busy = (busy_after - busy) / max(1, total_after - total)


def run_locust(
    plan_path: Path,
    out: Path,
    name: str,
    user_class: str,
    *,
    users: int,
    spawn_rate: float,
    seconds: int,
    request_timeout: float,
) -> tuple[dict, Path]:
    samples = out / f"{name}-samples.json"
    log = out / f"{name}-locust.log"
    argv = [
        str(BIN / "locust"),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(spawn_rate),
        "--run-time",
        f"{seconds}s",
        # Requests under way at the end are waited for (and counted), up to the timeout.
        "--stop-timeout",
        str(math.ceil(request_timeout) + 5),
        "--csv",
        str(out / name),
        "--only-summary",
        "--loglevel",
        "WARNING",
        user_class,
    ]
    env = {**os.environ, "LOAD_TEST_PLAN": str(plan_path), "LOAD_TEST_SAMPLES": str(samples)}
    with log.open("w") as output:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=output, stderr=output)
        try:
            # Locust exits 1 when any request failed: the table says which.
            process.wait(timeout=seconds + request_timeout + 60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise SetupError(f"locust did not stop in time; see {log}") from None
    if not samples.exists():
        raise SetupError(f"locust wrote no results (exit {process.returncode}); see {log}")
    return json.loads(samples.read_text()), log


WRK_SCRIPT = """
-- Generated by benchmarks/load_test.py: the readers' mix, in a closed loop.
local kinds = %(kinds)s
local headers = %(headers)s
local total = 0
for _, kind in ipairs(kinds) do total = total + kind.weight end
math.randomseed(%(seed)d)

request = function()
  local pick, chosen = math.random() * total, kinds[#kinds]
  for _, kind in ipairs(kinds) do
    pick = pick - kind.weight
    if pick <= 0 then chosen = kind break end
  end
  return wrk.format("GET", chosen.paths[math.random(#chosen.paths)], headers)
end

local threads = {}
setup = function(thread) table.insert(threads, thread) end
init = function() statuses = {} end
response = function(status) statuses[status] = (statuses[status] or 0) + 1 end

done = function(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[#counts + 1] = string.format('"%%d": %%d', status, n)
    end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK-RESULT {"requests": %%d, "duration_us": %%d, "p50": %%d, "p95": %%d, "p99": %%d, '
    .. '"max": %%d, "connect": %%d, "read": %%d, "write": %%d, "timeout": %%d, '
    .. '"statuses": {%%s}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout,
    table.concat(counts, ", ")))
end
"""


def lua(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{lua(k)}] = {lua(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "{" + ", ".join(lua(v) for v in value) + "}"
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string literal is a Lua string literal here
    return str(value)


def run_wrk(plan: dict, out: Path, port: int, *, connections: int, seconds: int, timeout: float):
    kinds = [{"weight": k["weight"], "paths": k["paths"]} for k in plan["kinds"].values()]
    script = out / "saturation.lua"
    script.write_text(WRK_SCRIPT % {"kinds": lua(kinds), "headers": lua(PROXY_HEADERS), "seed": 42})
    log = out / "saturation-wrk.log"
    argv = [
        shutil.which("wrk") or "wrk",
        "--threads",
        "1",
        "--connections",
        str(connections),
        "--duration",
        f"{seconds}s",
        "--timeout",
        f"{math.ceil(timeout)}s",
        "--script",
        str(script),
        f"http://127.0.0.1:{port}",
    ]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + timeout + 30)
    log.write_text(result.stdout + result.stderr)
    line = next((x for x in result.stdout.splitlines() if x.startswith("WRK-RESULT ")), None)
    if result.returncode or not line:
        raise SetupError(f"wrk failed (exit {result.returncode}); see {log}")
    return json.loads(line.removeprefix("WRK-RESULT ")), log


# --- figures ----------------------------------------------------------------------------


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else 0.0


def table(phase: Phase, kind_order: list[str]) -> tuple[list[str], dict]:
    by_kind: dict[str, list] = defaultdict(list)
    for sample in phase.samples:
        by_kind[sample[0]].append(sample)
    rows, figures = [], {}
    header = (
        f"{'page kind':<22} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'max ms':>8} {'3xx':>5} {'errors':>6}"
    )
    rows += [header, "-" * len(header)]
    order = [k for k in ["static", *kind_order] if k in by_kind]
    order += sorted(set(by_kind) - set(order))
    for kind in [*order, "all"]:
        samples = phase.samples if kind == "all" else by_kind[kind]
        ordered = sorted(s[1] for s in samples)
        redirects = sum(1 for s in samples if 300 <= s[2] < 400)
        errors = sum(1 for s in samples if s[3])
        row = {
            "requests": len(samples),
            "rps": len(samples) / phase.seconds if phase.seconds else 0.0,
            **{f"p{p}": percentile(ordered, p) for p in (50, 95, 99)},
            "max": ordered[-1] if ordered else 0.0,
            "redirects": redirects,
            "errors": errors,
        }
        figures[kind] = row
        if kind == "all":
            rows.append("-" * len(header))
        rows.append(
            f"{kind:<22} {row['requests']:>8,} {row['rps']:>7.1f} {row['p50']:>8.0f} "
            f"{row['p95']:>8.0f} {row['p99']:>8.0f} {row['max']:>8.0f} {redirects:>5} "
            f"{errors:>6}"
        )
    return rows, figures


def error_lines(samples: list[list]) -> list[str]:
    kinds = Counter((s[3], s[0]) for s in samples if s[3])
    return [f"  {n:,} x {error} on {kind}" for (error, kind), n in kinds.most_common()]


def cpu_line(phase: Phase, generator: str) -> str:
    seconds = max(phase.wall, 1e-9)
    cores = os.cpu_count() or 1
    return (
        f"CPU during the run ({seconds:.0f} s with start-up, {cores} cores = "
        f"{cores * seconds:.0f} core-s): "
        f"{generator} {phase.generator_cpu:.1f} core-s ({phase.generator_cpu / seconds:.0%} "
        f"of a core), gunicorn {phase.server_cpu:.1f} core-s, "
        f"machine busy {phase.machine_busy:.0%} (the rest is PostgreSQL and other work)"
    )


# --- the run ----------------------------------------------------------------------------


def run(args, config: WorkerConfig, plan: dict, env: dict[str, str], out: Path) -> dict:
    result: dict = {"config": str(config)}
    server = Gunicorn(config, env, out, free_port())
    plan_path = out / "plan.json"
    try:
        started = time.monotonic()
        server.start()
        plan_path.write_text(
            json.dumps(
                {
                    **plan,
                    "host": f"http://127.0.0.1:{server.port}",
                    "headers": {**PROXY_HEADERS, "User-Agent": "newsdesk-load-test"},
                    "timeout": args.request_timeout,
                }
            )
        )
        plain = server.get("/", headers={})
        proxied = server.get("/")
        print(
            f"gunicorn: {config} on 127.0.0.1:{server.port} (up in "
            f"{time.monotonic() - started:.1f} s), production settings "
            f"(DEBUG off, DJANGO_SECURE on). Without X-Forwarded-Proto: {plain[0]} "
            f"{plain[1]}; with 'X-Forwarded-Proto: https': {proxied[0]}."
        )
        if proxied[0] != 200:
            raise SetupError(f"GET / behind the proxy header answered {proxied[0]}")
        # Warm-up: one request of each kind, so no worker imports code mid-run.
        for kind in plan["kinds"].values():
            server.get(kind["paths"][0], timeout=args.request_timeout)

        readers = Phase(
            f"Readers: {args.users} users, think time 1-3 s, {args.duration} s "
            f"(spawned at {args.spawn_rate:g}/s)"
        )
        with measured(readers, server):
            data, readers.log = run_locust(
                plan_path,
                out,
                "readers",
                "Reader",
                users=args.users,
                spawn_rate=args.spawn_rate,
                seconds=args.duration,
                request_timeout=args.request_timeout,
            )
        readers.samples = data["samples"]
        window = data["window"]
        if "start" in window and "stop" in window:
            readers.seconds = window["stop"] - window["start"]
        result["readers"] = readers

        result["drain_readers"] = server.drain(args.request_timeout)
        saturation = None
        tool = args.saturation_tool
        if tool == "auto":
            tool = "wrk" if shutil.which("wrk") else "locust"
        if args.saturation_duration > 0 and tool != "none":
            saturation = Phase(
                f"Saturation (a different measure: closed loop, no think time, "
                f"{args.saturation_connections} connections, {tool}, "
                f"{args.saturation_duration} s): the most this server serves here"
            )
            with measured(saturation, server):
                if tool == "wrk":
                    summary, saturation.log = run_wrk(
                        plan,
                        out,
                        server.port,
                        connections=args.saturation_connections,
                        seconds=args.saturation_duration,
                        timeout=args.request_timeout,
                    )
                    saturation.summary_only = summary
                    saturation.seconds = summary["duration_us"] / 1e6
                else:
                    data, saturation.log = run_locust(
                        plan_path,
                        out,
                        "saturation",
                        "Saturator",
                        users=args.saturation_connections,
                        spawn_rate=args.saturation_connections,
                        seconds=args.saturation_duration,
                        request_timeout=args.request_timeout,
                    )
                    saturation.samples = data["samples"]
                    window = data["window"]
                    if "start" in window and "stop" in window:
                        saturation.seconds = window["stop"] - window["start"]
            saturation.generator = tool
        result["saturation"] = saturation
        result["drain_saturation"] = server.drain(args.request_timeout) if saturation else 0.0
        result["rss"] = server.worker_rss_mb()
    finally:
        server.stop()
    result["server_errors"] = server.server_errors()
    result["failed_urls"] = server.failed_urls()
    result["log"] = server.log
    return result


def report(args, plan: dict, result: dict) -> dict:
    readers: Phase = result["readers"]
    print()
    print(f"{readers.title}; {result['config']}; {plan['article_total']:,} articles")
    print("Latency is measured at the client: from sending the request to the whole body.")
    rows, figures = table(readers, list(WEIGHTS))
    print("\n".join(rows))
    errors = error_lines(readers.samples)
    print("Errors (any status >= 400, timeouts, connection failures):")
    print("\n".join(errors) if errors else "  none")
    print(cpu_line(readers, "load generator (locust)"))
    if result.get("drain_readers", 0) > 1:
        print(
            f"The readers left a backlog (requests they had given up on, still queued): "
            f"gunicorn took {result['drain_readers']:.0f} s more to serve it."
        )

    saturation: Phase | None = result["saturation"]
    sat_figures = None
    if saturation is not None:
        print()
        print(saturation.title)
        if saturation.summary_only:
            s = saturation.summary_only
            bad = sum(n for status, n in s["statuses"].items() if int(status) >= 400)
            socket_errors = s["connect"] + s["read"] + s["write"]
            sat_figures = {
                "requests": s["requests"],
                "rps": s["requests"] / max(saturation.seconds, 1e-9),
                "p50": s["p50"] / 1000,
                "p95": s["p95"] / 1000,
                "p99": s["p99"] / 1000,
                "max": s["max"] / 1000,
                "errors": bad + socket_errors + s["timeout"],
            }
            f = sat_figures
            print(
                f"  {f['requests']:,} requests in {saturation.seconds:.1f} s = "
                f"{f['rps']:.1f} req/s; latency p50 {f['p50']:.0f} / p95 {f['p95']:.0f} / "
                f"p99 {f['p99']:.0f} / max {f['max']:.0f} ms (all kinds together)"
            )
            print(
                f"  statuses {dict(sorted(s['statuses'].items()))}; errors: {bad} HTTP >= 400, "
                f"{s['timeout']} timeouts, {socket_errors} socket errors"
            )
        else:
            sat_rows, sat_kinds = table(saturation, list(WEIGHTS))
            print("\n".join(sat_rows))
            sat_figures = sat_kinds["all"]
            print("\n".join(error_lines(saturation.samples)) or "  no errors")
        print(cpu_line(saturation, f"load generator ({saturation.generator})"))

    print()
    rss = result.get("rss", {})
    worst_rss = max(rss.values(), default=0.0)
    print(
        "gunicorn workers' resident memory after the run (VmRSS): "
        + ", ".join(f"pid {pid} {mb:.0f} MB" for pid, mb in rss.items())
        + f" (target < 200 MB each: {'met' if worst_rss < 200 else 'MISSED'})"
    )
    paths, tracebacks = result["server_errors"]
    if paths:
        print(f"gunicorn's log ({result['log']}) reports {paths.total()} internal server errors:")
        for path, n in paths.most_common(10):
            lines = tracebacks[path].splitlines()
            # The exception's own line ("django.db.utils.ProgrammingError: ..."), the last.
            last = next((x for x in reversed(lines) if re.match(r"[\w.]+: ", x)), lines[-1])
            print(f"  {n:,} x {path}: {last.strip()[:150]}")
        if len(paths) > 10:
            print(f"  ... and {len(paths) - 10} more paths")
        first = next(iter(tracebacks.values()))
        print("The first one's traceback:\n  " + first.replace("\n", "\n  "))
    else:
        print(f"gunicorn's log reports no internal server errors ({result['log']}).")
    if result["failed_urls"]:
        print("URLs answered 5xx, with their query strings (gunicorn's access log):")
        for url, n in result["failed_urls"].most_common(8):
            print(f"  {n:,} x {url}")

    total = figures["all"]
    total_errors = total["errors"] + (sat_figures["errors"] if sat_figures else 0)
    met = total["p95"] <= args.p95_target
    saturation_text = f"; saturation {sat_figures['rps']:.0f} req/s" if sat_figures else ""
    print()
    print(
        f"Summary: {args.users} readers x {args.duration} s, {result['config']}, "
        f"{plan['article_total']:,} articles: {total['requests']:,} requests, "
        f"{total['rps']:.1f} req/s, p95 {total['p95']:.0f} ms "
        f"(target <= {args.p95_target:.0f} ms: {'met' if met else 'MISSED'}), "
        f"{total_errors} errors{saturation_text}, worker RSS <= {worst_rss:.0f} MB, "
        f"generator CPU {readers.generator_cpu / max(readers.wall, 1e-9):.0%} of a core."
    )
    return {
        "config": result["config"],
        "readers": figures,
        "saturation": sat_figures,
        "errors": total_errors,
        "rss_mb": rss,
        "generator_cpu_s": readers.generator_cpu,
        "server_cpu_s": readers.server_cpu,
        "seconds": readers.seconds,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: DATABASE_URL, else the embedded one")
    parser.add_argument("--users", type=int, default=50, help="concurrent readers (50)")
    parser.add_argument("--spawn-rate", type=float, default=10, help="readers started a second")
    parser.add_argument("--duration", type=int, default=60, help="seconds of readers (60)")
    parser.add_argument("--saturation-duration", type=int, default=15, help="seconds; 0: none")
    parser.add_argument("--saturation-connections", type=int, default=8)
    parser.add_argument("--saturation-tool", choices=["auto", "wrk", "locust", "none"])
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="gthread")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="per gthread worker")
    parser.add_argument("--compare-workers", action="store_true", help="2 sync vs 3 gthread")
    parser.add_argument("--request-timeout", type=float, default=30, help="seconds")
    parser.add_argument("--p95-target", type=float, default=300, help="ms")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--background-probe", type=float, default=3, help="seconds to measure other load first"
    )
    parser.add_argument("--output", type=Path, help="folder for logs and CSVs (default: temp)")
    parser.add_argument(
        "--static-root", type=Path, help="static files already collected (default: collect)"
    )
    parser.set_defaults(saturation_tool="auto")
    args = parser.parse_args(argv)

    if not (BIN / "locust").exists():
        print(f"load test: locust is not installed in {BIN} (make install)", file=sys.stderr)
        return 2
    out = args.output or Path(tempfile.mkdtemp(prefix="newsdesk-loadtest-"))
    out.mkdir(parents=True, exist_ok=True)
    try:
        url = database_url(args.database_url)
        started = time.monotonic()
        plan = build_plan(url, seed=args.seed)
        print(
            f"Plan: {plan['article_total']:,} articles; "
            + ", ".join(f"{k} {len(v['paths'])}" for k, v in plan["kinds"].items())
            + f" paths (read in {time.monotonic() - started:.1f} s). Logs and CSVs in {out}"
        )
        busy, busiest = background_load(args.background_probe)
        print(
            f"Before the test the machine was {busy:.0%} busy ({os.cpu_count()} cores)"
            + (
                ": " + ", ".join(f"{name} {share:.0%} of a core" for name, share in busiest)
                if busiest
                else ""
            )
            + ". The figures below share the machine with that."
        )
        configs = (
            [WorkerConfig("sync", 2), WorkerConfig("gthread", 3, 2)]
            if args.compare_workers
            else [WorkerConfig(args.worker_class, args.workers, args.threads)]
        )
        summaries = []
        with tempfile.TemporaryDirectory(prefix="newsdesk-loadtest-") as scratch:
            settings_dir = Path(scratch)
            static_root = args.static_root or settings_dir / "static"
            write_settings(settings_dir, static_root)
            env = production_env(url, settings_dir)
            started = time.monotonic()
            stylesheet = collect_static(env, static_root, collect=not args.static_root)
            print(f"Static files in {static_root} ({time.monotonic() - started:.1f} s).")
            plan = {**plan, "on_start": [stylesheet]}
            for config in configs:
                config_out = out / f"{config.worker_class}-{config.workers}"
                config_out = config_out if len(configs) > 1 else out
                config_out.mkdir(exist_ok=True)
                result = run(args, config, plan, env, config_out)
                summaries.append(report(args, plan, result))
                summaries[-1]["background_busy"] = busy
        (out / "results.json").write_text(json.dumps(summaries, indent=2, default=str))
        if len(summaries) > 1:
            print("\nWorker comparison:")
            for s in summaries:
                sat = f", saturation {s['saturation']['rps']:.1f} req/s" if s["saturation"] else ""
                print(
                    f"  {s['config']:<32} readers p95 {s['readers']['all']['p95']:.0f} ms, "
                    f"{s['readers']['all']['rps']:.1f} req/s{sat}, errors {s['errors']}, "
                    f"RSS <= {max(s['rss_mb'].values(), default=0):.0f} MB"
                )
    except SetupError as error:
        print(f"load test: {error}", file=sys.stderr)
        return 2
    return 1 if any(s["errors"] for s in summaries) else 0


if __name__ == "__main__":
    sys.exit(main())
