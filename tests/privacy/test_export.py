"""Export my data: background ZIP with progress, every kind of data, no secrets, single use."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

from sqlalchemy import select

from app.models import Base, ExportJob, InstagramAccount, User, utcnow
from app.services.instagram import store_token
from scheduler.privacy_jobs import run_exports
from tests.conftest import csrf_from, login
from tests.privacy.conftest import SET_UP, fill_every_table, make_account, make_ctx

PLAIN_TOKEN = "IGAAsecret-plain-token-value"
LINK = re.compile(r'href="(http://[^"]+/download/[^"]+)"')


def _setup(app, session, make_user, media_dir):
    user = make_user("exporter")
    account = make_account(session, user.memberships[0].workspace_id, "exp")
    store_token(app.config["SETTINGS"], account, PLAIN_TOKEN, 3600)
    ctx = make_ctx(session, user, account)
    fill_every_table(session, ctx, media_dir)
    session.commit()
    return user, account, ctx


def _start_and_build(app, client):
    page = client.get("/settings/privacy")
    resp = client.post(
        "/settings/privacy/export",
        data={"csrf_token": csrf_from(page.text)},
        headers={"HX-Request": "true"},
    )
    assert resp.status_code == 200 and 'hx-trigger="every 2s"' in resp.text
    job_id = int(re.search(r"/settings/privacy/export/(\d+)", resp.text).group(1))
    with app.app_context():
        assert run_exports() == 1
    return job_id


def test_the_zip_holds_every_kind_of_data_and_no_secret(app, client, session, make_user, media_dir):
    user, account, ctx = _setup(app, session, make_user, media_dir)
    ciphertext = session.get(InstagramAccount, account.id).token_ciphertext
    login(client, user.username)
    job_id = _start_and_build(app, client)
    status = client.get(f"/settings/privacy/export/{job_id}")
    assert "hx-trigger" not in status.text  # polling stops when ready
    link = LINK.search(status.text).group(1)
    resp = client.get(link.removeprefix("http://localhost"))
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(resp.data))
    names = set(zf.namelist())
    ws = ctx.workspace_id
    assert {"README.txt", "user.json"} <= names
    for table in Base.metadata.sorted_tables:
        if "workspace_id" in table.c and table.name not in SET_UP:
            assert f"workspaces/{ws}/{table.name}.json" in names, table.name
    for child in ("post_media", "post_log", "inbox_sync_state"):
        assert f"workspaces/{ws}/{child}.json" in names
    for mine in ("identity", "api_token", "auth_session", "notification_preference"):
        assert f"user/{mine}.json" in names
    assert f"workspaces/{ws}/instagram_account.json" in names
    assert any(n.startswith(f"workspaces/{ws}/media/") for n in names)
    blob = b"".join(zf.read(n) for n in names)
    assert account.username.encode() in blob
    for secret in (PLAIN_TOKEN, ciphertext, session.get(User, user.id).password_hash):
        assert secret.encode() not in blob
    assert b"token_hash" not in blob and b"token_ciphertext" not in blob


def test_the_link_works_once_for_its_user_until_it_expires(
    app, client, session, make_user, media_dir
):
    user, _account, _ctx = _setup(app, session, make_user, media_dir)
    login(client, user.username)
    job_id = _start_and_build(app, client)
    link = LINK.search(client.get("/settings/privacy").text).group(1)
    path = link.removeprefix("http://localhost")

    other = app.test_client()
    make_user("snoop")
    login(other, "snoop")
    assert other.get(path).status_code == 404
    assert client.get(path.rsplit("/", 1)[0] + "/wrongtoken").status_code == 410

    assert client.get(path).status_code == 200
    assert client.get(path).status_code == 410  # single use
    session.expire_all()
    assert session.get(ExportJob, job_id).downloaded_at is not None

    # A new export; its link expires after EXPORT_RETENTION_HOURS.
    job_id = _start_and_build(app, client)
    link = LINK.search(client.get(f"/settings/privacy/export/{job_id}").text).group(1)
    job = session.get(ExportJob, job_id)
    session.refresh(job)
    job.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert client.get(link.removeprefix("http://localhost")).status_code == 410


def test_progress_is_shown_while_the_export_waits(app, client, session, make_user, media_dir):
    user = make_user("waiter")
    login(client, user.username)
    page = client.get("/settings/privacy")
    client.post("/settings/privacy/export", data={"csrf_token": csrf_from(page.text)})
    page = client.get("/settings/privacy")
    assert 'id="export-progress"' in page.text and 'hx-trigger="every 2s"' in page.text
    job = session.scalar(select(ExportJob))
    assert job.state == "pending"
