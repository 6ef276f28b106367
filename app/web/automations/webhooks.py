"""Outgoing webhooks: endpoints (URL, events, secret shown once), test events, delivery log."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.extensions import db
from app.models import Role, WebhookDelivery, WebhookEndpoint
from app.services import audit
from app.services.outgoing_webhooks import endpoints as service
from app.services.outgoing_webhooks.urls import WebhookError
from app.web.admin.forms import EmptyForm
from app.web.automations import bp
from app.web.automations.webhook_forms import WebhookEndpointForm
from app.web.automations.webhook_messages import (
    EVENT_NAMES,
    STATUS_NAMES,
    delivery_error,
    error_text,
)
from app.web.context import current_workspace_id, get_or_404, require_role

LOG_PAGE = 50


def _settings():
    from flask import current_app

    return current_app.config["SETTINGS"]


def _audit(action: str, endpoint: WebhookEndpoint) -> None:
    audit.record(
        db.session,
        action,
        user=current_user,
        workspace_id=endpoint.workspace_id,
        ip=request.remote_addr or "",
        detail={"endpoint_id": endpoint.id, "url": endpoint.url},
    )


def _save(form: WebhookEndpointForm, endpoint: WebhookEndpoint | None):
    """Create or update from the form; (endpoint, secret or None), or None with form errors."""
    try:
        if endpoint is None:
            endpoint, secret = service.create_endpoint(
                db.session,
                _settings(),
                current_workspace_id(),
                url=form.url.data,
                events=form.events.data,
                description=form.description.data,
                active=form.active.data,
            )
            _audit("webhook_endpoint_create", endpoint)
        else:
            secret = None
            service.update_endpoint(
                db.session,
                _settings(),
                endpoint,
                url=form.url.data,
                events=form.events.data,
                description=form.description.data or "",
                active=form.active.data,
            )
    except WebhookError as e:
        db.session.rollback()
        getattr(form, e.field if e.field in form else "url").errors = [error_text(e.code)]
        return None
    db.session.commit()
    return endpoint, secret


def _show_secret(endpoint: WebhookEndpoint, secret: str):
    # Rendered straight away (never put in the session or a flash): shown once.
    return render_template("automations/webhook_secret.html", endpoint=endpoint, secret=secret)


@bp.route("/webhooks", methods=["GET", "POST"])
@login_required
def webhooks():
    ws = current_workspace_id()
    form = WebhookEndpointForm()
    if request.method == "GET":
        form.events.data = []
    if request.method == "POST":
        require_role(Role.EDITOR)(lambda: None)()
        if form.validate_on_submit():
            saved = _save(form, None)
            if saved is not None:
                return _show_secret(*saved)
    return render_template(
        "automations/webhooks.html",
        form=form,
        endpoints=service.endpoints_of(db.session, ws),
        event_names=EVENT_NAMES,
    )


@bp.route("/webhooks/<int:endpoint_id>", methods=["GET", "POST"])
@login_required
def webhook(endpoint_id: int):
    endpoint = get_or_404(WebhookEndpoint, endpoint_id)
    form = WebhookEndpointForm(obj=endpoint)
    if request.method == "POST":
        require_role(Role.EDITOR)(lambda: None)()
        if form.validate_on_submit() and _save(form, endpoint) is not None:
            flash(_("Saved."), "success")
            return redirect(url_for("automations.webhook", endpoint_id=endpoint.id))
    before = request.args.get("before", type=int)
    stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if before:
        stmt = stmt.where(WebhookDelivery.id < before)
    rows = list(db.session.scalars(stmt.order_by(WebhookDelivery.id.desc()).limit(LOG_PAGE + 1)))
    older = rows[LOG_PAGE - 1].id if len(rows) > LOG_PAGE else None
    return render_template(
        "automations/webhook.html",
        endpoint=endpoint,
        form=form,
        action_form=EmptyForm(),
        deliveries=rows[:LOG_PAGE],
        older=older,
        event_names=EVENT_NAMES,
        status_names=STATUS_NAMES,
        delivery_error=delivery_error,
        can_edit=bool(g.membership and g.membership.allows(Role.EDITOR)),
    )


def _posted() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


@bp.post("/webhooks/<int:endpoint_id>/rotate")
@login_required
@require_role(Role.EDITOR)
def webhook_rotate(endpoint_id: int):
    endpoint = get_or_404(WebhookEndpoint, endpoint_id)
    _posted()
    secret = service.rotate_secret(db.session, _settings(), endpoint)
    _audit("webhook_secret_rotate", endpoint)
    db.session.commit()
    return _show_secret(endpoint, secret)


@bp.post("/webhooks/<int:endpoint_id>/test")
@login_required
@require_role(Role.EDITOR)
def webhook_test(endpoint_id: int):
    endpoint = get_or_404(WebhookEndpoint, endpoint_id)
    _posted()
    service.queue_test(db.session, endpoint)
    db.session.commit()
    flash(_("A test event was queued; it appears in the log below within a minute."), "success")
    return redirect(url_for("automations.webhook", endpoint_id=endpoint.id))


@bp.post("/webhooks/<int:endpoint_id>/delete")
@login_required
@require_role(Role.EDITOR)
def webhook_delete(endpoint_id: int):
    endpoint = get_or_404(WebhookEndpoint, endpoint_id)
    _posted()
    _audit("webhook_endpoint_delete", endpoint)
    service.delete_endpoint(db.session, endpoint)
    db.session.commit()
    flash(_("The webhook endpoint was deleted."), "success")
    return redirect(url_for("automations.webhooks"))


@bp.post("/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/retry")
@login_required
@require_role(Role.EDITOR)
def webhook_retry(endpoint_id: int, delivery_id: int):
    endpoint = get_or_404(WebhookEndpoint, endpoint_id)
    delivery = get_or_404(WebhookDelivery, delivery_id)
    if delivery.endpoint_id != endpoint.id:
        abort(404)
    _posted()
    if service.retry_delivery(db.session, delivery):
        db.session.commit()
        flash(_("The delivery will be sent again."), "success")
    return redirect(url_for("automations.webhook", endpoint_id=endpoint.id))
