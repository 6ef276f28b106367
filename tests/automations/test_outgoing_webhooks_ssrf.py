"""Outgoing webhooks are the one place Kezek POSTs to a user-given URL: https only in
production, no private/loopback/link-local targets unless OUTGOING_WEBHOOKS_ALLOW_PRIVATE,
checked on save and again before every send (see tests/security/test_ssrf.py)."""

from __future__ import annotations

import ssl

import pytest

from app.config import load_settings
from app.models import WebhookEndpoint
from app.services.outgoing_webhooks import emit
from app.services.outgoing_webhooks.urls import WebhookError, normalize_url, resolve
from tests.api.conftest import Api
from tests.automations.webhook_receiver import add_endpoint, deliver, deliveries, receiver
from tests.test_config import PROD

__all__ = ["receiver"]

PRIVATE = [
    "http://127.0.0.1:8000/hook",
    "http://localhost/hook",
    "https://kezek.internal/hook",
    "http://[::1]/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.1.2.3/",
    "https://192.168.0.10/",
    "http://0.0.0.0/",
]


def test_private_targets_are_allowed_outside_production_only_by_default():
    assert load_settings(PROD).OUTGOING_WEBHOOKS_ALLOW_PRIVATE is False
    assert load_settings({"KEZEK_ENV": "testing"}).OUTGOING_WEBHOOKS_ALLOW_PRIVATE is True
    opted_in = load_settings({**PROD, "OUTGOING_WEBHOOKS_ALLOW_PRIVATE": "1"})
    assert opted_in.OUTGOING_WEBHOOKS_ALLOW_PRIVATE is True
    opted_out = load_settings({"KEZEK_ENV": "testing", "OUTGOING_WEBHOOKS_ALLOW_PRIVATE": "0"})
    assert opted_out.OUTGOING_WEBHOOKS_ALLOW_PRIVATE is False


def test_production_needs_https_and_a_public_address():
    prod = load_settings({**PROD, "OUTGOING_WEBHOOKS_ALLOW_PRIVATE": "1"})
    with pytest.raises(WebhookError) as e:
        normalize_url(prod, "http://hooks.example/")
    assert e.value.code == "url_not_https"
    strict = load_settings(PROD)
    for url in PRIVATE:
        with pytest.raises(WebhookError) as e:
            normalize_url(strict, url)
        assert e.value.code in ("url_private", "url_not_https"), url
    # A name is judged by what it resolves to.
    with pytest.raises(WebhookError) as e:
        resolve(strict, "localhost", 443)
    assert e.value.code == "url_private"
    with pytest.raises(WebhookError) as e:
        resolve(strict, "no-such-host.invalid", 443)
    assert e.value.code == "url_unresolvable"


def test_the_api_refuses_private_urls_when_not_allowed(client, make_user, make_token, app, session):
    app.config["SETTINGS"].OUTGOING_WEBHOOKS_ALLOW_PRIVATE = False
    api = Api(client, make_token(make_user("alice")))
    for url in PRIVATE:
        res = api.post("/webhook-endpoints", json={"url": url, "events": ["post.failed"]})
        assert res.status_code == 422, url
        (field,) = res.get_json()["error"]["fields"]
        assert (field["field"], field["code"]) == ("url", "url_private")
    assert session.query(WebhookEndpoint).count() == 0


def test_a_send_checks_the_address_again_and_never_reaches_a_private_one(
    app, session, make_user, receiver
):
    settings = app.config["SETTINGS"]
    ws = make_user("alice").memberships[0].workspace
    # Registered while allowed (or the name now resolves inside): switched off afterwards.
    endpoint, _ = add_endpoint(session, settings, ws.id, f"{receiver.url}/x", ["post.failed"])
    settings.OUTGOING_WEBHOOKS_ALLOW_PRIVATE = False
    emit(session, ws.id, "post.failed", {"post_id": "1"})
    session.commit()
    assert deliver(app)["failed"] == 1
    (row,) = deliveries(session, endpoint)
    assert (row.status, row.last_error, row.response_code) == ("failed", "url_private", None)
    assert receiver.hits == []


def _self_signed(tmp_path):
    """A certificate for 127.0.0.1 that no trust store knows."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_https_certificates_are_verified(app, session, make_user, receiver, tmp_path):
    cert_file, key_file = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    receiver.server.socket = context.wrap_socket(receiver.server.socket, server_side=True)
    settings = app.config["SETTINGS"]
    ws = make_user("alice").memberships[0].workspace
    url = receiver.url.replace("http://", "https://") + "/tls"
    endpoint, _ = add_endpoint(session, settings, ws.id, url, ["post.failed"])
    emit(session, ws.id, "post.failed", {"post_id": "1"})
    session.commit()
    deliver(app)
    (row,) = deliveries(session, endpoint)
    assert (row.status, row.last_error, row.response_code) == ("pending", "tls_error", None)
    assert receiver.hits == []
