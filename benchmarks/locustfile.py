"""Locust users for benchmarks/load_test.py: readers of the archive, and a no-wait variant.

Not meant to be run by hand (load_test.py starts gunicorn, writes the plan and reads the
results), but it can be:

    LOAD_TEST_PLAN=plan.json LOAD_TEST_SAMPLES=samples.json \\
        locust -f benchmarks/locustfile.py --headless -u 50 -r 10 -t 60s Reader

LOAD_TEST_PLAN is a JSON file written by load_test.py: the host, the headers every
request carries, and for each page kind its weight and the paths to pick from.
LOAD_TEST_SAMPLES is where every request's kind, latency, status and error go when
locust quits, so that load_test.py computes exact percentiles and names the errors.
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

from locust import FastHttpUser, between, constant, events, task

PLAN = json.loads(Path(os.environ["LOAD_TEST_PLAN"]).read_text())
KINDS = list(PLAN["kinds"])
WEIGHTS = [PLAN["kinds"][kind]["weight"] for kind in KINDS]

_samples: list[list] = []
_window: dict[str, float] = {}


def _error_kind(status: int, exception: BaseException | None) -> str:
    """'' for a success (2xx/3xx), else what went wrong: 'HTTP 500', 'timeout', ..."""
    if 200 <= status < 400 and exception is None:
        return ""
    if status >= 400:
        return f"HTTP {status}"
    text = f"{type(exception).__name__}: {exception}" if exception else "no response"
    if "timed out" in text.lower() or "timeout" in text.lower():
        return "timeout"
    return text[:120]


@events.request.add_listener
def _record(name, response_time, response=None, exception=None, **_kwargs):
    status = getattr(response, "status_code", 0) or 0
    _samples.append([name, round(response_time, 2), status, _error_kind(status, exception)])


@events.test_start.add_listener
def _started(**_kwargs):
    _window["start"] = time.time()


@events.test_stop.add_listener
def _stopped(**_kwargs):
    _window["stop"] = time.time()


@events.quitting.add_listener
def _save(**_kwargs):
    path = os.environ.get("LOAD_TEST_SAMPLES")
    if path:
        Path(path).write_text(json.dumps({"window": _window, "samples": _samples}))


class Reader(FastHttpUser):
    """A person reading the archive: a page, then 1-3 s to read it, then another."""

    host = PLAN["host"]
    default_headers = PLAN["headers"]
    wait_time = between(1, 3)
    # A request still unanswered after this long counts as a timeout.
    network_timeout = connection_timeout = float(PLAN.get("timeout", 30))
    max_retries = 0

    def on_start(self):
        # A first visit also fetches the stylesheet; browsers cache it afterwards
        # (hashed names, served by whitenoise with a far-future expiry).
        for path in PLAN.get("on_start", []):
            self.client.get(path, name="static", allow_redirects=False)

    @task
    def view_a_page(self):
        kind = random.choices(KINDS, weights=WEIGHTS)[0]
        path = random.choice(PLAN["kinds"][kind]["paths"])
        # Redirects are not followed: a 301 to https:// would mean the proxy header is
        # not trusted, and it is counted (as a 3xx) rather than hidden.
        self.client.get(path, name=kind, allow_redirects=False)


class Saturator(Reader):
    """The same mix with no think time: a closed loop that measures maximum throughput."""

    wait_time = constant(0)

    def on_start(self):
        pass
