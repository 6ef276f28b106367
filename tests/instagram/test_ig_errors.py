"""Error classification (fact sheet §10.3) over HTTP, faults and usage headers."""

from __future__ import annotations

import json

import pytest
import requests

from app.instagram import ErrorKind, InstagramError, UsageInfo, parse_usage_headers

K = ErrorKind
# (code, subcode, kind, message_key): every row of §10.3 plus the 190 subcodes.
TABLE = [
    (1, None, K.RETRY, "unknown_error"),
    (2, None, K.RETRY, "service_unavailable"),
    (4, None, K.RATE_LIMITED, "rate_limited_app"),
    (17, None, K.RATE_LIMITED, "rate_limited_user"),
    (32, None, K.RATE_LIMITED, "rate_limited_page"),
    (613, None, K.RATE_LIMITED, "rate_limited_custom"),
    (80002, None, K.RATE_LIMITED, "rate_limited_business"),
    (10, None, K.PERMISSION, "permission_denied"),
    (200, None, K.PERMISSION, "permission_missing"),
    (299, None, K.PERMISSION, "permission_missing"),
    (190, None, K.TOKEN_DEAD, "token_invalid"),
    (190, 458, K.TOKEN_DEAD, "app_not_installed"),
    (190, 459, K.TOKEN_DEAD, "user_checkpointed"),
    (190, 460, K.TOKEN_DEAD, "password_changed"),
    (190, 463, K.TOKEN_DEAD, "token_expired"),
    (190, 464, K.TOKEN_DEAD, "user_unconfirmed"),
    (190, 467, K.TOKEN_DEAD, "token_invalid"),
    (368, None, K.BLOCKED, "policy_blocked"),
    (-2, 2207003, K.RETRY, "media_download_timeout"),
    (-2, 2207020, K.RECREATE_CONTAINER, "container_expired"),
    (-1, 2207001, K.RETRY, "server_error"),
    (-1, 2207032, K.RETRY, "create_failed"),
    (-1, 2207053, K.RETRY, "upload_failed"),
    (1, 2207057, K.BAD_INPUT, "thumb_offset_invalid"),
    (4, 2207051, K.BLOCKED, "spam_restricted"),
    (9, 2207042, K.QUOTA_EXCEEDED, "quota_exceeded"),
    (24, 2207006, K.RECREATE_CONTAINER, "media_not_found"),
    (24, 2207008, K.RETRY, "container_missing"),
    (25, 2207050, K.BLOCKED, "account_restricted"),
    (100, 2207023, K.BAD_INPUT, "media_type_invalid"),
    (100, 2207028, K.BAD_INPUT, "carousel_count"),
    (100, 2207035, K.BAD_INPUT, "product_tags"),
    (100, 2207036, K.BAD_INPUT, "product_tags"),
    (100, 2207037, K.BAD_INPUT, "product_tags"),
    (100, 2207040, K.BAD_INPUT, "too_many_tags"),
    (100, None, K.BAD_INPUT, "invalid_parameter"),
    (352, 2207026, K.BAD_INPUT, "video_format"),
    (9004, 2207052, K.BAD_INPUT, "media_url_unreachable"),
    (9007, 2207027, K.PUBLISH_NOT_READY, "media_not_ready"),
    (36000, 2207004, K.BAD_INPUT, "image_too_large"),
    (36001, 2207005, K.BAD_INPUT, "image_format"),
    (36003, 2207009, K.BAD_INPUT, "aspect_ratio"),
    (36004, 2207010, K.BAD_INPUT, "caption_too_long"),
    (12345, None, K.UNKNOWN, "unknown"),
]


@pytest.mark.parametrize("code, subcode, kind, key", TABLE)
def test_graph_errors_are_classified(client, token, sandbox_server, code, subcode, kind, key):
    sandbox_server.fault(
        endpoint="/me",
        kind="error",
        code=code,
        subcode=subcode,
        message=f"(#{code}) injected",
        status=400,
    )
    with pytest.raises(InstagramError) as info:
        client.get_profile(token)
    err = info.value
    assert (err.kind, err.message_key) == (kind, key)
    assert (err.code, err.error_subcode) == (code, subcode)
    assert err.http_status == 400 and err.fbtrace_id
    assert err.message == f"(#{code}) injected"
    # The fault had count=1: the next call succeeds.
    assert client.get_profile(token).user_id


def test_transient_flag_means_retry(client, token, sandbox_server):
    sandbox_server.fault(endpoint="/me", kind="error", code=999, is_transient=True)
    with pytest.raises(InstagramError) as info:
        client.get_profile(token)
    assert info.value.kind is K.RETRY and info.value.is_transient


def test_not_enough_viewers_has_its_own_key(client, token, sandbox_server):
    sandbox_server.fault(
        endpoint="/me",
        kind="error",
        code=10,
        message="(#10) Not enough viewers for the media to show insights",
    )
    with pytest.raises(InstagramError) as info:
        client.get_profile(token)
    assert info.value.message_key == "insights_not_enough_viewers"


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80002])
def test_throttle_faults_give_retry_after_from_usage_headers(
    client_for, sandbox_server, token, code
):
    seen: list[tuple[str | None, UsageInfo]] = []
    client = client_for(sandbox_server, on_usage=lambda uid, u: seen.append((uid, u)))
    sandbox_server.fault(endpoint="/*/media", kind="throttle", code=code, minutes=7)
    with pytest.raises(InstagramError) as info:
        client.list_media(token, ig_user_id="17841400000000001")
    err = info.value
    assert err.kind is K.RATE_LIMITED and err.code == code
    assert err.retry_after_seconds == 7 * 60
    assert err.usage is not None and err.usage.max_percent == 100
    assert seen[-1][0] == "17841400000000001"


@pytest.mark.parametrize(
    "spec, kind, key",
    [
        ({"kind": "http_500"}, K.RETRY, "service_unavailable"),
        ({"kind": "bad_gateway"}, K.RETRY, "server_error"),
        ({"kind": "timeout", "seconds": 1.5}, K.RETRY, "timeout"),
        ({"kind": "disconnect"}, K.RETRY, "network_error"),
        ({"kind": "malformed"}, K.UNKNOWN, "bad_response"),
        ({"kind": "token_expired"}, K.TOKEN_DEAD, "token_expired"),
        ({"kind": "token_invalid", "subcode": 460}, K.TOKEN_DEAD, "password_changed"),
        ({"kind": "oauth_error"}, K.BAD_INPUT, "oauth_code_invalid"),
    ],
)
def test_every_fault_kind(client_for, token, sandbox_server, spec, kind, key):
    client = client_for(sandbox_server, timeout=(2, 1))
    sandbox_server.fault(endpoint="/me", **spec)
    with pytest.raises(InstagramError) as info:
        client.get_profile(token)
    assert (info.value.kind, info.value.message_key) == (kind, key)


def test_latency_fault_delays_but_succeeds(client, token, sandbox_server):
    sandbox_server.fault(endpoint="/me", kind="latency", seconds=0.2)
    assert client.get_profile(token).user_id
    state = sandbox_server.admin("GET", "faults")["faults"][0]
    assert (state["hits"], state["count"]) == (1, 0)


def test_fault_filters_by_account_method_and_regex(client, sandbox_server):
    other = sandbox_server.token("17841400000000002")
    mine = sandbox_server.token()
    sandbox_server.fault(
        endpoint=r"^/\d+/media$|^/me/media$",
        kind="http_500",
        account="17841400000000002",
        method="GET",
        count=None,
    )
    assert client.list_media(mine, limit=1).data
    for _ in range(2):  # count=None: always
        with pytest.raises(InstagramError):
            client.list_media(other, limit=1)
    sandbox_server.admin("DELETE", "faults")
    assert client.list_media(other, limit=1).data


def test_natural_rate_limit(sandbox_factory, client_for):
    sandbox = sandbox_factory(hourly_call_limit=3)
    client = client_for(sandbox)
    token = sandbox.token()
    for _ in range(3):
        client.get_profile(token)
    with pytest.raises(InstagramError) as info:
        client.get_profile(token)
    assert info.value.code == 80002 and info.value.retry_after_seconds == 3600
    sandbox.advance(3601)
    assert client.get_profile(token).user_id


def test_usage_headers_reported_on_success(client_for, sandbox_server, token):
    seen = []
    client = client_for(sandbox_server, on_usage=lambda uid, usage: seen.append(usage))
    client.get_profile(token)
    assert seen and seen[0].for_business("17841400000000001") is not None


def test_parse_usage_headers_recorded_example():
    usage = parse_usage_headers(
        {
            "X-Business-Use-Case-Usage": json.dumps(
                {
                    "17841400000000001": [
                        {
                            "type": "instagram",
                            "call_count": 12,
                            "total_cputime": 29,
                            "total_time": 10,
                            "estimated_time_to_regain_access": 0,
                        }
                    ]
                }
            ),
            "X-App-Usage": '{"call_count":40,"total_cputime":3,"total_time":5}',
        }
    )
    assert usage.max_percent == 40
    assert usage.app.call_count == 40
    entry = usage.for_business("17841400000000001")
    assert (entry.type, entry.total_cputime, entry.max_percent) == ("instagram", 29, 29)
    assert usage.regain_access_seconds == 0


@pytest.mark.parametrize(
    "headers", [{}, {"X-App-Usage": "nope"}, {"X-Business-Use-Case-Usage": "[1]"}]
)
def test_parse_usage_headers_tolerates_garbage(headers):
    assert parse_usage_headers(headers) is None


def test_sandbox_graph_error_envelope_keys(sandbox_server):
    resp = requests.get(
        f"{sandbox_server.url}/v25.0/me", params={"access_token": "SBX.bogus"}, timeout=5
    )
    assert resp.status_code == 400
    assert set(resp.json()) == {"error"}
    assert set(resp.json()["error"]) >= {"message", "type", "code", "is_transient", "fbtrace_id"}
