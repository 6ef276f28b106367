"""`make test`'s bandit and pip-audit gates; accepted findings: docs/security-exceptions.md.

    python -m tests.security.audit bandit
    python -m tests.security.audit pip-audit

Exit 0 when every medium/high bandit finding and every vulnerability is listed there.
"""

from __future__ import annotations

import json
import re
import subprocess  # nosec B404 - fixed argv, our own tools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXCEPTIONS = ROOT / "docs" / "security-exceptions.md"
GATED = ("MEDIUM", "HIGH")


def accepted(section: str) -> list[tuple[str, str]]:
    """(first, second) cells of the table rows under `## <section>`."""
    text = EXCEPTIONS.read_text()
    part = text.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in part.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 3 and not re.fullmatch(r"[-: ]*", cells[0]):
            if cells[0] not in ("Rule", "ID"):
                rows.append((cells[0], cells[1]))
    return rows


def run_bandit() -> int:
    cmd = [
        sys.executable,
        "-m",
        "bandit",
        "-q",
        "-c",
        "tests/security/bandit.yaml",
        "-r",
        "app",
        "scheduler",
        "-f",
        "json",
    ]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)  # nosec B603
    try:
        results = json.loads(out.stdout)["results"]
    except (ValueError, KeyError):
        print(out.stdout, out.stderr, sep="\n")
        return 2
    ok = set(accepted("bandit"))
    failing = [
        r
        for r in results
        if r["issue_severity"] in GATED and (r["test_id"], r["filename"]) not in ok
    ]
    for r in results:
        mark = "FAIL" if r in failing else "ok  "
        print(
            f"{mark} {r['test_id']} {r['issue_severity']:<6} {r['filename']}:{r['line_number']}"
            f" {r['issue_text']}"
        )
    seen = {(r["test_id"], r["filename"]) for r in results}
    for stale in sorted(ok - seen):
        print(f"note: accepted bandit finding no longer reported: {stale}")
    if failing:
        print(f"bandit: {len(failing)} finding(s) not accepted in {EXCEPTIONS.name}")
        return 1
    print(f"bandit: {len(results)} finding(s), none of medium/high severity unaccepted")
    return 0


def run_pip_audit() -> int:
    """Fail on any known vulnerability not accepted; say loudly what could not be audited.

    pip-audit reads vulnerability data from PyPI's per-release JSON API. Where that API is not
    reachable (the package mirror of the development machines serves only /simple), pip-audit
    cannot audit a package; that is reported as such on every run, never as a pass.
    """
    ids = [vid for vid, _pkg in accepted("pip-audit")]
    cmd = [
        sys.executable,
        "-m",
        "pip_audit",
        "--progress-spinner",
        "off",
        "--format",
        "json",
        "--requirement",
        "requirements.txt",
        "--no-deps",
        "--disable-pip",
    ]
    for vid in ids:
        cmd += ["--ignore-vuln", vid]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)  # nosec B603
    try:
        deps = json.loads(out.stdout)["dependencies"]
    except (ValueError, KeyError):
        print(out.stdout, out.stderr, sep="\n")
        return 2
    vulnerable = [d for d in deps if d.get("vulns")]
    unaudited = [d for d in deps if d.get("skip_reason")]
    for d in vulnerable:
        for v in d["vulns"]:
            print(f"FAIL {d['name']} {d.get('version')} {v['id']} fix: {v.get('fix_versions')}")
    if unaudited:
        print(
            f"pip-audit: WARNING {len(unaudited)} of {len(deps)} pinned packages could not be "
            "audited (no vulnerability data reachable from this machine: "
            f"{unaudited[0].get('skip_reason')})"
        )
    if vulnerable:
        print(
            f"pip-audit: {len(vulnerable)} vulnerable package(s) not accepted in {EXCEPTIONS.name}"
        )
        return 1
    print(
        f"pip-audit: {len(deps) - len(unaudited)} package(s) audited, no unaccepted vulnerability"
    )
    return 0


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else ""
    gates = {"bandit": run_bandit, "pip-audit": run_pip_audit}
    if which not in gates:
        sys.exit(f"usage: python -m tests.security.audit {{{','.join(gates)}}}")
    sys.exit(gates[which]())
