"""The generic deletion tests: every table filled, one deletion, then a scan of every table."""

from __future__ import annotations

from sqlalchemy import func, select

from app.models import AuditLog, Base, LoginAttempt, Role, User, Workspace
from app.services import audit
from app.services.deletion import delete_user
from app.services.workspaces import add_member
from scheduler.privacy_jobs import run_deletion_requests
from tests.privacy.conftest import SET_UP, fill_every_table, make_account, make_ctx
from tests.privacy.scan import leftovers, missing_rules


def test_every_table_has_a_deletion_rule():
    assert missing_rules() == [], "add a cascade or a rule in deletion.UNLINKED_RULES"


def _two_people(session, make_user, media_dir):
    """A victim owning a workspace and a member of another user's workspace; both filled."""
    victim = make_user("victim")
    other = make_user("other")
    other_ws = session.get(Workspace, other.memberships[0].workspace_id)
    add_member(session, other_ws, victim, Role.EDITOR)
    mine = make_ctx(session, victim, make_account(session, victim.memberships[0].workspace_id, "v"))
    theirs = make_ctx(session, other, make_account(session, other_ws.id, "o"))
    fill_every_table(session, mine, media_dir)
    fill_every_table(session, theirs, media_dir)
    # Rows naming the victim outside their workspace: sign-ins, an admin's note elsewhere.
    session.add(LoginAttempt(username=victim.username, ip="10.0.0.1", success=True))
    audit.record(session, "login", user=victim, ip="10.0.0.1")
    audit.record(
        session,
        "member_add",
        user=other,
        workspace_id=other_ws.id,
        detail={"username": victim.username},
    )
    session.commit()
    return victim, other, mine, theirs


def _rows_in(session, workspace_id) -> int:
    total = 0
    for table in Base.metadata.sorted_tables:
        if "workspace_id" in table.c and table.name not in SET_UP:
            total += session.scalar(
                select(func.count()).select_from(table).where(table.c.workspace_id == workspace_id)
            )
    return total


def test_delete_all_leaves_nothing_of_the_user(app, session, make_user, media_dir):
    victim, other, mine, theirs = _two_people(session, make_user, media_dir)
    settings = app.config["SETTINGS"]
    before_other = _rows_in(session, theirs.workspace_id)
    refs = {
        "ids": {
            "user": mine.user_id,
            "workspace": mine.workspace_id,
            "instagram_account": mine.account_id,
        },
        "texts": [mine.username, mine.ig_user_id, mine.app_scoped_id, mine.account_username],
    }
    before = {line.split(".")[0] for line in leftovers(session, **refs)}
    # The scan sees the victim everywhere before (so it can fail).
    assert before >= {
        "audit_log",
        "login_attempt",
        "webhook_event",
        "post",
        "media_item",
        "auth_session",
        "inbox_message",
        "follower_snapshot",
    }
    assert before >= set(Base.metadata.tables) - SET_UP - {
        "deletion_request",
        "retention_run",
        "worker_heartbeat",
    }

    delete_user(session, settings, session.get(User, victim.id))
    session.commit()
    session.expire_all()

    assert leftovers(session, **refs) == []
    assert [p for p in mine.files if p.exists()] == []
    # Nothing of the other user's was lost (only the victim's SET NULL references).
    assert all(p.exists() for p in theirs.files)
    assert session.get(User, other.id) is not None
    # Only the victim's membership-level rows went (their notification there).
    assert before_other - 2 <= _rows_in(session, theirs.workspace_id) <= before_other
    assert session.scalar(select(AuditLog).where(AuditLog.action == "user_delete")) is not None


def test_data_deletion_request_leaves_nothing_of_the_account(
    app, session, make_user, media_dir, client, sign
):
    victim, other, mine, theirs = _two_people(session, make_user, media_dir)
    refs = {
        "ids": {"instagram_account": mine.account_id},
        "texts": [mine.ig_user_id, mine.app_scoped_id, mine.account_username],
    }
    assert len({line.split(".")[0] for line in leftovers(session, **refs)}) > 15
    resp = client.post("/meta/data-deletion", data={"signed_request": sign(mine.ig_user_id)})
    assert resp.status_code == 200
    with app.app_context():
        assert run_deletion_requests() == 1
    session.expire_all()

    assert leftovers(session, **refs) == []
    assert [p for p in mine.files if p.exists()] == []
    # The Kezek user and their workspace stay; so does everything of the other account.
    assert session.get(User, victim.id) is not None
    assert session.get(Workspace, mine.workspace_id) is not None
    assert all(p.exists() for p in theirs.files)
