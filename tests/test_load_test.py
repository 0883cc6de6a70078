"""benchmarks/load_test.py end to end, for a few seconds: gunicorn with the production
settings, a handful of readers, a short saturation run, the table, no errors."""

from __future__ import annotations

import importlib.util
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from tests.conftest import SAMPLE_DIR

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "load_test.py"
LOCUST = Path(sys.executable).parent / "locust"


def load_test_module():
    spec = importlib.util.spec_from_file_location("load_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)  # imports neither Django nor locust
    return module


def database_url() -> str:
    """The test database as a URL, for gunicorn in another process (socket dirs too)."""
    db = connection.settings_dict
    user = quote(db["USER"] or "postgres", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = quote(db["HOST"] or "localhost", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{quote(db['NAME'], safe='')}"


def test_percentiles_are_nearest_rank():
    percentile = load_test_module().percentile
    ordered = [float(n) for n in range(1, 101)]

    assert [percentile(ordered, p) for p in (50, 95, 99, 100)] == [50, 95, 99, 100]
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 95) == 0.0


def test_the_wrk_script_gets_the_mix_as_lua_literals():
    lua = load_test_module().lua

    assert lua([{"weight": 3, "paths": ['/search/?q="a"']}]) == (
        '{{["weight"] = 3, ["paths"] = {"/search/?q=\\"a\\""}}}'
    )


@pytest.mark.django_db(transaction=True)
def test_a_short_load_test_serves_every_page_kind_without_errors(
    run_import, collected_static, tmp_path
):
    # locust is run as a program (it monkey-patches the process it is imported in).
    if importlib.util.find_spec("locust") is None or not LOCUST.exists():
        pytest.skip("locust is not installed (it is in the `bench` extra: make install)")
    assert run_import(SAMPLE_DIR).exit_code == 0

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--database-url",
            database_url(),
            "--users",
            "5",
            "--spawn-rate",
            "5",
            "--duration",
            "5",
            "--saturation-duration",
            "2",
            "--saturation-connections",
            "4",
            "--background-probe",
            "0",
            "--static-root",
            str(collected_static),
            "--output",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    output = result.stdout

    assert result.returncode == 0, output + result.stderr
    # Production settings: plain HTTP is redirected, the proxy's header is trusted.
    assert "Without X-Forwarded-Proto: 301 https://" in output
    assert "with 'X-Forwarded-Proto: https': 200" in output
    assert re.search(r"page kind\s+requests\s+req/s\s+p50 ms\s+p95 ms\s+p99 ms\s+max ms", output)
    total = re.search(r"^all\s+([\d,]+)\s.*\s(\d+)\s+(\d+)$", output, re.MULTILINE)
    assert total, output
    assert int(total.group(1).replace(",", "")) > 0
    assert total.group(3) == "0"  # errors
    assert "Errors (any status >= 400, timeouts, connection failures):\n  none" in output
    assert "Saturation (a different measure" in output
    assert re.search(r"resident memory after the run \(VmRSS\): pid \d+ \d+ MB", output)
    assert "load generator (locust)" in output
    summary = output.strip().splitlines()[-1]
    assert summary.startswith("Summary: 5 readers x 5 s") and " 0 errors" in summary
    # gunicorn was stopped: nothing listens on its port any more.
    port = re.search(r"on 127\.0\.0\.1:(\d+)", output).group(1)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", int(port)), timeout=1).close()
