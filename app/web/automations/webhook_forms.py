"""The outgoing webhook endpoint form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from app.services.outgoing_webhooks import EVENT_TYPES
from app.web.automations.webhook_messages import EVENT_NAMES
from app.web.validators import max_length, required


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WebhookEndpointForm(FlaskForm):
    url = StringField(_l("URL"), validators=[required(), max_length(500)])
    description = StringField(_l("Description"), validators=[max_length(120)])
    events = CheckboxesField(
        _l("Events"),
        choices=[SelectChoice(e, EVENT_NAMES[e]) for e in EVENT_TYPES],
        validate_choice=False,
    )
    active = BooleanField(_l("Active"), default=True)
