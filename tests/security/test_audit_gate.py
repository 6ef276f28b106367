"""The accepted-findings file parses (the gates themselves run in `make test`)."""

from __future__ import annotations

from tests.security.audit import accepted


def test_accepted_findings_are_read_from_the_one_file():
    assert ("B704", "app/web/privacy/views.py") in accepted("bandit")
    assert all(vid and pkg for vid, pkg in accepted("pip-audit"))
