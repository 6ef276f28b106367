"""Public policy pages, Settings → Privacy delete-all, admin pages and the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import AuditLog, AuthSession, User, Workspace
from app.services import audit
from app.services.retention import RULES
from app.web.privacy.policy import uncategorised
from tests.conftest import PASSWORD, csrf_from, login

WORDS = {
    "en": ("Privacy policy", "days"),
    "ru": ("Политика конфиденциальности", "дней"),
    "kk": ("Құпиялылық саясаты", "күн"),
}


def test_the_policy_describes_every_table():
    assert uncategorised() == []


@pytest.mark.settings(
    OPERATOR_NAME="Aruzhan Coffee LLP",
    OPERATOR_CONTACT_EMAIL="dpo@example.kz",
    OPERATOR_COUNTRY="Kazakhstan",
    OPERATOR_HOSTING_LOCATION="Almaty",
    AUDIT_LOG_RETENTION_DAYS=45,
    TERMS_TEXT="Be nice.",
)
@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_policy_pages_render_in_each_language_with_the_real_periods(client, lang):
    headers = {"Accept-Language": lang}
    page = client.get("/privacy", headers=headers)
    assert page.status_code == 200
    title, days = WORDS[lang]
    assert title in page.text and days in page.text
    for text in ("Aruzhan Coffee LLP", "dpo@example.kz", "Kazakhstan", "Almaty"):
        assert text in page.text
    for rule in RULES:
        assert f'data-setting="{rule.setting}"' in page.text
    assert "45" in page.text and "729" in page.text and "365" in page.text
    deletion = client.get("/data-deletion", headers=headers)
    assert deletion.status_code == 200 and "30" in deletion.text
    terms = client.get("/terms", headers=headers)
    assert terms.status_code == 200 and "Be nice." in terms.text


def test_terms_come_from_a_file_when_set(app, client, tmp_path):
    path = tmp_path / "terms.txt"
    path.write_text("Terms from the file.", encoding="utf-8")
    app.config["SETTINGS"].TERMS_FILE = str(path)
    assert "Terms from the file." in client.get("/terms").text


def test_delete_all_needs_the_password_and_signs_out(client, session, make_user, media_dir):
    user_id = make_user("leaver").id
    login(client, "leaver")
    page = client.get("/settings/privacy/delete")
    assert "leaver" in page.text  # the workspace to be deleted is listed
    resp = client.post(
        "/settings/privacy/delete",
        data={"csrf_token": csrf_from(page.text), "password": "wrong password"},
    )
    assert resp.status_code == 200 and "not correct" in resp.text
    assert session.get(User, user_id) is not None
    resp = client.post(
        "/settings/privacy/delete", data={"csrf_token": csrf_from(page.text), "password": PASSWORD}
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/login")
    session.expire_all()
    assert session.get(User, user_id) is None
    assert session.scalar(select(Workspace).where(Workspace.name == "leaver")) is None
    assert session.scalar(select(AuthSession)) is None
    assert client.get("/settings/privacy").status_code == 302  # signed out


def test_admins_delete_any_user_with_their_own_password(client, session, make_user, media_dir):
    make_user("root", is_admin=True)
    victim_id = make_user("victim2").id
    login(client, "root")
    page = client.get(f"/admin/privacy/users/{victim_id}/delete")
    resp = client.post(
        f"/admin/privacy/users/{victim_id}/delete",
        data={"csrf_token": csrf_from(page.text), "confirm": "victim2", "password": PASSWORD},
    )
    assert resp.status_code == 302
    session.expire_all()
    assert session.get(User, victim_id) is None
    row = session.scalar(select(AuditLog).where(AuditLog.action == "user_delete"))
    assert row.username == "root" and "victim2" not in str(row.detail)


def test_non_admins_cannot_open_the_admin_page(client, make_user):
    make_user("plain")
    login(client, "plain")
    assert client.get("/admin/privacy").status_code == 403
    assert client.get("/audit?scope=all").status_code == 403


def test_the_old_activity_page_redirects_to_the_audit_log(client, make_user):
    make_user("owner9")
    login(client, "owner9")
    resp = client.get("/settings/activity")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/audit")


def test_owners_see_their_workspace_filtered_and_as_csv(client, session, make_user):
    owner = make_user("owner7")
    stranger = make_user("stranger")
    ws_id = owner.memberships[0].workspace_id
    audit.record(session, "account_connect", user=owner, workspace_id=ws_id, ip="10.1.1.1")
    audit.record(session, "post_delete", user=owner, workspace_id=ws_id, ip="10.1.1.2")
    audit.record(
        session,
        "account_connect",
        user=stranger,
        workspace_id=stranger.memberships[0].workspace_id,
        ip="10.9.9.9",
    )
    session.commit()
    login(client, "owner7")
    page = client.get("/audit")
    assert "10.1.1.1" in page.text and "10.1.1.2" in page.text
    assert "10.9.9.9" not in page.text
    assert "login" in page.text  # the owner's own sign-in
    filtered = client.get("/audit?action=post_delete")
    assert "10.1.1.2" in filtered.text and "10.1.1.1" not in filtered.text
    csv = client.get("/audit.csv?action=account_connect")
    assert csv.mimetype == "text/csv"
    assert "10.1.1.1" in csv.text and "10.9.9.9" not in csv.text and "10.1.1.2" not in csv.text


def test_admins_see_every_workspace(client, session, make_user):
    make_user("root", is_admin=True)
    other = make_user("someone")
    audit.record(
        session,
        "account_connect",
        user=other,
        workspace_id=other.memberships[0].workspace_id,
        ip="10.7.7.7",
    )
    session.commit()
    login(client, "root")
    assert "10.7.7.7" not in client.get("/audit").text
    assert "10.7.7.7" in client.get("/audit?scope=all").text
