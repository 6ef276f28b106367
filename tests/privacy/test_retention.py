"""Retention: each period purges exactly what is past it, with time moved forward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.models import (
    AccountStatus,
    ApiToken,
    AuditLog,
    DeletionRequest,
    ExportJob,
    FollowerSnapshot,
    InboxThread,
    InstagramAccount,
    MediaItem,
    ProfileSnapshot,
    RetentionRun,
)
from app.services.analytics import local_day
from app.services.media_store import new_key
from app.services.privacy import record_deletion_request
from app.services.retention import RULES, apply_all, period, run_retention
from tests.privacy.conftest import make_account

MINUTE = timedelta(minutes=1)


@pytest.fixture
def world(app, session, make_user, media_dir):
    user = make_user("keeper")
    ws_id = user.memberships[0].workspace_id
    account = make_account(session, ws_id, "ret")
    session.commit()
    # Local noon: day-based rules never straddle midnight in the test.
    noon = datetime.now(ZoneInfo("Asia/Almaty")).replace(hour=12, minute=0, second=0, microsecond=0)
    return {
        "settings": app.config["SETTINGS"],
        "ws": ws_id,
        "account": account,
        "user": user,
        "media": media_dir,
        "base": noon.astimezone(UTC),
    }


def _inbox(s, w, at):
    s.add(
        InboxThread(
            workspace_id=w["ws"],
            account_id=w["account"].id,
            kind="dm",
            thread_key=str(at.timestamp()),
            last_activity_at=at,
        )
    )


def _snapshot(model):
    def make(s, w, at):
        day = local_day("Asia/Almaty", at)
        extra = {"username": "x"} if model is ProfileSnapshot else {}
        s.add(
            model(workspace_id=w["ws"], account_id=w["account"].id, day=day, taken_at=at, **extra)
        )

    return make


def _audit(s, w, at):
    s.add(AuditLog(action="login", created_at=at, username="keeper"))


def _dead_token(s, w, at):
    s.add(
        ApiToken(
            user_id=w["user"].id,
            name="t",
            prefix="kzk_",
            token_hash=str(at.timestamp()),
            created_at=at,
            revoked_at=at,
        )
    )


def _deauthorized(s, w, at):
    acc = make_account(s, w["ws"], "gone")
    acc.status = AccountStatus.DISCONNECTED.value
    acc.token_ciphertext = None
    record_deletion_request(
        s,
        "raw",
        acc.ig_user_id,
        source="deauthorize",
        due_at=at + timedelta(days=w["settings"].DELETED_ACCOUNT_GRACE_DAYS),
    )


def _upload(s, w, at):
    key = new_key("jpg")
    path = w["media"] / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    s.add(
        MediaItem(
            workspace_id=w["ws"],
            kind="image",
            state="ready",
            storage_key=key,
            public_token=key[3:35],
            created_at=at,
        )
    )


def _export(s, w, at):
    name = f"exports/{int(at.timestamp() * 1000)}.zip"
    (w["media"] / "exports").mkdir(exist_ok=True)
    (w["media"] / name).write_bytes(b"zip")
    s.add(
        ExportJob(
            user_id=w["user"].id,
            requested_by_id=w["user"].id,
            state="ready",
            file_path=name,
            created_at=at,
            finished_at=at,
            expires_at=at + timedelta(hours=w["settings"].EXPORT_RETENTION_HOURS),
        )
    )


def _record(s, w, at):
    req = record_deletion_request(s, "raw", "1", source="data_deletion")
    req.state = "completed"
    req.completed_at = at


# rule key -> (make a row at a time, count the rows of that kind still there)
CASES = {
    "inbox": (_inbox, InboxThread),
    "follower_snapshots": (_snapshot(FollowerSnapshot), FollowerSnapshot),
    "profile_snapshots": (_snapshot(ProfileSnapshot), ProfileSnapshot),
    "audit_log": (_audit, AuditLog),
    "dead_tokens": (_dead_token, ApiToken),
    "deauthorized_accounts": (_deauthorized, InstagramAccount),
    "uploads": (_upload, MediaItem),
    "exports": (_export, ExportJob),
    "deletion_records": (_record, DeletionRequest),
}


def test_every_rule_has_a_case():
    assert {r.key for r in RULES} == set(CASES)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.key)
def test_each_period_purges_exactly_what_is_past_it(world, session, rule):
    make, model = CASES[rule.key]
    settings, base = world["settings"], world["base"]
    keep = period(settings, rule)
    # Day-based snapshots count local days: the newer row is a day younger.
    step = timedelta(days=1) if rule.unit == "days" else timedelta(minutes=30)
    make(session, world, base - step)
    make(session, world, base)
    session.commit()
    before = {row.id for row in session.scalars(select(model))}

    # Snapshots are kept per local day: the day `keep` days after the snapshot's day purges it.
    by_day = rule.key in ("follower_snapshots", "profile_snapshots")
    early = base + keep - 2 * step if by_day else base + keep - step - MINUTE * 2
    late = base + keep - step if by_day else base + keep - step + MINUTE
    apply_all(session, settings, now=early)
    session.commit()
    assert {row.id for row in session.scalars(select(model))} == before, "purged too early"

    apply_all(session, settings, now=late)
    session.commit()
    session.expire_all()
    after = {row.id for row in session.scalars(select(model))}
    assert len(before - after) == 1, "exactly the older row goes"
    if rule.key == "uploads":
        assert len(list(world["media"].glob("*/*.jpg"))) == 1
    if rule.key == "exports":
        assert len(list((world["media"] / "exports").iterdir())) == 1


def test_dead_instagram_tokens_are_removed_after_the_period(world, session):
    settings, base = world["settings"], world["base"]
    account = world["account"]
    account.status = AccountStatus.RECONNECT.value
    # The token died at `base` (not at the wall-clock time the test runs: after local noon,
    # now is later than base and the period would seem to start later).
    account.updated_at = base
    session.commit()
    apply_all(session, settings, now=base + timedelta(days=settings.DEAD_TOKEN_RETENTION_DAYS - 1))
    session.commit()
    session.refresh(account)
    assert account.token_ciphertext is not None
    apply_all(
        session, settings, now=base + timedelta(days=settings.DEAD_TOKEN_RETENTION_DAYS, minutes=1)
    )
    session.commit()
    session.refresh(account)
    assert account.token_ciphertext is None


def test_a_run_is_recorded_with_counts_and_shown_to_admins(app, client, session, make_user):
    run = run_retention(session, app.config["SETTINGS"])
    session.commit()
    assert set(run.counts) == {r.key for r in RULES}
    assert session.scalar(select(RetentionRun)).finished_at is not None
    from tests.conftest import login

    make_user("root", is_admin=True)
    login(client, "root")
    page = client.get("/admin/privacy")
    assert page.status_code == 200
    for rule in RULES:
        assert rule.setting in page.text
