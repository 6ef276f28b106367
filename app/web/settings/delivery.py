"""Settings → Notifications: which events each user gets by e-mail and Telegram."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import Optional

from app.extensions import db
from app.models import Channel
from app.services import delivery
from app.services.delivery_channels import ChannelError, email_configured, telegram_configured
from app.web.publishing.messages import delivery_error_text
from app.web.settings import bp
from app.web.validators import max_length


class DeliveryForm(FlaskForm):
    email = StringField(
        _l("E-mail address"), validators=[Optional(), max_length(254)], render_kw={"type": "email"}
    )
    email_enabled = BooleanField(_l("Send me e-mails"))
    telegram_chat_id = StringField(_l("Telegram chat id"), validators=[max_length(64)])
    telegram_enabled = BooleanField(_l("Send me Telegram messages"))
    event_failure = BooleanField(_l("A post failed"), default=True)
    event_reconnect = BooleanField(_l("An account needs to be reconnected"), default=True)
    event_success = BooleanField(_l("A post was published"))


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notifications():
    settings = current_app.config["SETTINGS"]
    pref = delivery.get_preference(db.session, current_user.id)
    form = DeliveryForm(obj=pref)
    if request.method == "GET" and pref is not None:
        events = pref.events if pref.events is not None else delivery.DEFAULT_EVENTS
        form.event_failure.data = "failure" in events
        form.event_reconnect.data = "reconnect" in events
        form.event_success.data = "success" in events
    if form.validate_on_submit():
        test = request.form.get("test")
        events = [
            name
            for name, on in (
                ("failure", form.event_failure.data),
                ("reconnect", form.event_reconnect.data),
                ("success", form.event_success.data),
            )
            if on
        ]
        try:
            delivery.save_preference(
                db.session,
                current_user,
                email=form.email.data or "",
                email_enabled=form.email_enabled.data,
                telegram_chat_id=form.telegram_chat_id.data or "",
                telegram_enabled=form.telegram_enabled.data,
                events=events,
            )
        except delivery.DeliveryError as e:
            db.session.rollback()
            flash(delivery_error_text(e.code), "danger")
        else:
            db.session.commit()
            if test in (Channel.EMAIL.value, Channel.TELEGRAM.value):
                try:
                    delivery.send_test(db.session, settings, current_user, test)
                except ChannelError:
                    flash(_("The test message could not be sent. Check the address."), "danger")
                else:
                    flash(_("A test message was sent."), "success")
            else:
                flash(_("Your notification settings were saved."), "success")
            return redirect(url_for("settings.notifications"))
    return render_template(
        "settings/notifications.html",
        form=form,
        email_ready=email_configured(settings),
        telegram_ready=telegram_configured(settings),
    )
