"""An owner invites a teammate, who joins through the fake Google in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.models import Identity, Membership
from tests.conftest import PASSWORD
from tests.identity.conftest import provider_fakes

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def providers(app):
    with provider_fakes(app) as fakes:
        yield fakes


def test_invitation_accepted_through_fake_google(
    open_page,
    live_server,
    app,
    providers,
    make_user,
    session,
):
    app.config["SETTINGS"].PUBLIC_BASE_URL = live_server.url  # the OAuth redirect URI
    providers.google.consent_page = True
    alice = make_user("alice", display_name="Alice")

    owner = open_page(live_server.url)
    owner.goto("/login")
    owner.fill("#username", "alice")
    owner.fill("#password", PASSWORD)
    owner.click("#login-submit")
    owner.goto("/settings/invitations")
    owner.select_option("#role", "editor")
    owner.fill("#email", "dana@example.com")
    owner.click("#invite-submit")
    link = owner.locator("#new-invitation-link").inner_text().strip()
    assert link.startswith(f"{live_server.url}/invite?token=")
    expect(owner.locator("#invitations")).to_contain_text("dana@example.com")

    guest = open_page(live_server.url)
    guest.goto(link)
    expect(guest.locator("#invitation-title")).to_have_text("Join alice")
    guest.click("#signin-google")
    expect(guest.locator("#approve")).to_contain_text("Dana Abenova")  # the fake's consent page
    guest.click("#approve")
    expect(guest.locator("#whoami")).to_have_text("Dana Abenova")
    expect(guest.locator("main")).to_contain_text("Editor")  # the dashboard shows the role
    assert guest.url.rstrip("/") == live_server.url

    ident = session.scalar(select(Identity))
    member = session.scalar(select(Membership).where(Membership.user_id == ident.user_id))
    assert (member.workspace_id, member.role) == (alice.memberships[0].workspace_id, "editor")
    guest.goto(link)  # the link worked once
    expect(guest.locator("#invitation-error")).to_contain_text("already been used")
    assert owner.console_errors == [], owner.console_errors
    # Only the used link's 410 (the page itself and its console line).
    assert [e for e in guest.console_errors if "410" not in e] == [], guest.console_errors
