"""JSON admin endpoints for tests, benchmarks and the demo (`/_admin/...`)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from app.instagram.sandbox import faults
from app.instagram.sandbox.common import state
from app.instagram.sandbox.oauth import issue_token
from app.instagram.sandbox.seed import seed_state
from app.instagram.sandbox.state import SCOPES, SandboxState

bp = Blueprint("ig_admin", __name__)


def fresh_state(config: dict) -> SandboxState:
    """A newly seeded state for a config."""
    st = SandboxState(dict(config))
    seed_state(st)
    return st


def _body() -> dict:
    return request.get_json(silent=True) or {}


@bp.post("/_admin/faults")
def add_faults():
    """Register one fault or a list of faults."""
    body = request.get_json(silent=True)
    items = body if isinstance(body, list) else [body or {}]
    try:
        new = [faults.make_fault(item) for item in items]
    except (ValueError, TypeError) as exc:
        return jsonify({"error": str(exc)}), 400
    st = state()
    with st.lock:
        st.faults.extend(new)
        return jsonify({"faults": faults.describe(st)}), 201


@bp.get("/_admin/faults")
def list_faults():
    """Registered faults with their remaining counts and hits."""
    st = state()
    with st.lock:
        return jsonify({"faults": faults.describe(st)})


@bp.delete("/_admin/faults")
def clear_faults():
    """Remove every fault."""
    st = state()
    with st.lock:
        st.faults.clear()
    return jsonify({"faults": []})


@bp.post("/_admin/clock")
def clock():
    """Move sandbox time: {"advance_seconds": n} or {"offset_seconds": n}."""
    body = _body()
    st = state()
    with st.lock:
        if "offset_seconds" in body:
            st.clock_offset = float(body["offset_seconds"])
        st.clock_offset += float(body.get("advance_seconds", 0))
        return jsonify({"offset_seconds": st.clock_offset, "now": st.now()})


@bp.post("/_admin/reset")
def reset():
    """Back to the seeded state and the start-up config."""
    current_app.extensions["ig_sandbox"] = fresh_state(current_app.config["IG_SANDBOX_CONFIG"])
    return jsonify({"reset": True})


@bp.post("/_admin/config")
def update_config():
    """Change config keys at run time (e.g. code_exchange_shape, quota_total)."""
    body = _body()
    st = state()
    with st.lock:
        unknown = [k for k in body if k not in st.config]
        if unknown:
            return jsonify({"error": f"unknown keys: {', '.join(unknown)}"}), 400
        st.config.update(body)
        return jsonify({k: st.config[k] for k in body})


@bp.post("/_admin/tokens")
def mint_token():
    """Mint a token for an account without the OAuth dance."""
    body = _body()
    st = state()
    with st.lock:
        ig_id = str(body.get("ig_user_id", ""))
        if ig_id not in st.accounts:
            return jsonify({"error": "unknown ig_user_id"}), 404
        token = issue_token(
            st,
            ig_id,
            long_lived=bool(body.get("long_lived", True)),
            scopes=tuple(body.get("scopes") or SCOPES),
        )
        return jsonify(
            {
                "access_token": token.value,
                "user_id": ig_id,
                "expires_in": int(token.expires_at - st.now()),
            }
        )


@bp.delete("/_admin/tokens")
def revoke_tokens():
    """Kill an account's tokens (as a password change does): later calls get a 190."""
    body = _body()
    st = state()
    with st.lock:
        ig_id = str(body.get("ig_user_id", ""))
        if ig_id not in st.accounts:
            return jsonify({"error": "unknown ig_user_id"}), 404
        dead = [value for value, token in st.tokens.items() if token.ig_id == ig_id]
        for value in dead:
            del st.tokens[value]
        return jsonify({"revoked": len(dead)})


@bp.get("/_admin/state")
def inspect():
    """Counts and summaries (no token values) for inspection."""
    st = state()
    with st.lock:
        return jsonify(
            {
                "now": st.now(),
                "clock_offset": st.clock_offset,
                "accounts": [
                    {
                        "ig_user_id": a.ig_id,
                        "username": a.username,
                        "name": a.name,
                        "account_type": a.account_type,
                        "followers_count": st.followers_on(a, st.day()),
                        "subscribed_fields": st.subscriptions.get(a.ig_id, []),
                        "published_24h": st.publishes_in_window(a.ig_id),
                    }
                    for a in st.accounts.values()
                ],
                "customers": [
                    {"id": c.igsid, "username": c.username} for c in st.customers.values()
                ],
                "counts": {
                    "tokens": len(st.tokens),
                    "codes": len(st.codes),
                    "media": len(st.media),
                    "comments": len(st.comments),
                    "conversations": len(st.conversations),
                    "messages": len(st.messages),
                    "containers": len(st.containers),
                },
                "faults": faults.describe(st),
                "publish_calls": dict(st.publish_calls),
                "published_containers": {
                    c.id: c.published_media_id
                    for c in st.containers.values()
                    if c.published_media_id and not c.is_carousel_item
                },
                "webhooks": list(st.webhook_log),
                "config": {
                    k: v for k, v in st.config.items() if k not in ("app_secret", "webhook_secret")
                },
            }
        )
