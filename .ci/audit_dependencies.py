"""Known vulnerabilities in the locked dependencies, from PyPI's own advisory data.

    python .ci/audit_dependencies.py [requirements.lock]

pip-audit cannot run from this workplace: its two sources, PyPI's per-version JSON
(`/pypi/<name>/<version>/json`) and OSV, are out of reach (404 and no DNS). PyPI's
project JSON (`/pypi/<name>/json`) is reachable and lists the advisories (OSV/PYSEC/GHSA
ids) that affect the project's latest release. So each pin is audited when it *is* the
latest release; a pin behind the latest cannot be audited this way and is named as such
(upgrade it, or audit it elsewhere). Exit status 1 when any pin has a known advisory,
or when none at all could be audited (a check that checked nothing must not pass).
"""

from __future__ import annotations

import json
import re
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", re.M)


def audit(name: str, version: str) -> tuple[str, str, list[str]]:
    """('audited' | 'behind' | 'unreachable', detail, advisory ids) for one pin."""
    url = f"https://pypi.org/pypi/{name}/json"
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            data = json.load(response)
    except OSError as error:
        return "unreachable", str(error), []
    latest = data["info"]["version"]
    if latest != version:
        return "behind", latest, []
    return "audited", latest, [v["id"] for v in data.get("vulnerabilities") or []]


def main() -> int:
    lock = Path(sys.argv[1] if len(sys.argv) > 1 else "requirements.lock")
    pins = PIN.findall(lock.read_text())
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda pin: (pin, audit(*pin)), pins))
    vulnerable = audited = 0
    for (name, version), (status, detail, advisories) in results:
        if advisories:
            vulnerable += 1
            print(f"VULNERABLE {name}=={version}: {', '.join(advisories)}")
        elif status == "behind":
            print(f"not audited {name}=={version}: the latest release is {detail}")
        elif status == "unreachable":
            print(f"not audited {name}=={version}: PyPI unreachable ({detail})")
        audited += status == "audited"
    print(
        f"Audited {audited} of {len(pins)} pins in {lock}: {vulnerable} with known vulnerabilities."
    )
    return 1 if vulnerable or not audited else 0


if __name__ == "__main__":
    sys.exit(main())
