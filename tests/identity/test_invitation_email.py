"""Invitation links sent by e-mail through SMTP_URL (a local aiosmtpd server)."""

from __future__ import annotations

import email
import socket

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import csrf_from


class Mailbox:
    def __init__(self):
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def mailbox(app):
    box = Mailbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    app.config["SETTINGS"].SMTP_URL = f"smtp://127.0.0.1:{port}"
    yield box
    controller.stop()


def _invite(client, **data):
    token = csrf_from(client.get("/settings/invitations").text)
    return client.post("/settings/invitations", data={"csrf_token": token, **data})


def test_invitation_link_is_emailed_when_asked(logged_in, mailbox):
    client, _alice = logged_in
    resp = _invite(client, role="editor", email="bolat@example.com", send_email="y")
    assert "The invitation was sent to bolat@example.com." in resp.text
    [msg] = mailbox.messages
    assert msg["To"] == "bolat@example.com"
    body = msg.get_payload(decode=True).decode()
    shown = resp.text.split('id="new-invitation-link">', 1)[1].split("<", 1)[0]
    assert shown in body and "invited you to the workspace alice" in body


def test_no_email_without_the_box_ticked_or_without_smtp(logged_in, app, mailbox):
    client, _alice = logged_in
    _invite(client, role="editor", email="bolat@example.com")
    assert mailbox.messages == []
    app.config["SETTINGS"].SMTP_URL = ""
    page = client.get("/settings/invitations").text
    assert 'name="send_email"' not in page
    _invite(client, role="editor", email="bolat@example.com", send_email="y")
    assert mailbox.messages == []
