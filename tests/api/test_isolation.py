"""Every API route with an id, given another workspace's ids, answers 404 (checked on all)."""

from __future__ import annotations

import re

from tests.api.conftest import Api
from tests.automations.ids import automation_ids
from tests.inbox.ids import inbox_ids


def test_every_api_route_with_an_id_is_a_404_for_another_workspaces_rows(
    app, client, api, other_workspace, make_account, session
):
    from app.models import MediaItem
    from app.services.notifications import notify

    _bob, ws = other_workspace
    media = MediaItem(workspace_id=ws.id, kind="image", storage_key="ab/x.jpg", public_token="t")
    session.add(media)
    session.flush()
    # One row of every kind the API exposes by id, all in Bob's workspace.
    ids = {
        "account_id": make_account(ws.id).id,
        "notification_id": notify(session, ws.id, "token_dead", {"username": "b"}).id,
        "media_id": media.id,
        **automation_ids(session, ws.id),
        **inbox_ids(session, ws.id),
        "export_id": _bob_export(session, _bob),
    }
    session.commit()
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or not rule.arguments:
            continue
        assert set(rule.arguments) <= set(ids), f"give {rule.rule} an id of Bob's to try"
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(ids[m.group(1)]), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            resp = client.open(path, method=method, headers=Api(client, api.token).headers())
            assert resp.status_code == 404, (method, path, resp.status_code)
            assert resp.get_json()["error"]["code"] == "not_found"
            checked += 1
    assert checked >= 4


def _bob_export(session, bob) -> int:
    """A data export Bob asked for (exports belong to their requester, not a workspace)."""
    from app.models import ExportJob

    job = ExportJob(user_id=bob.id, requested_by_id=bob.id, state="ready", progress=100)
    session.add(job)
    session.flush()
    return job.id
