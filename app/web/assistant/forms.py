"""Assistant forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from app.services.assistant_admin import BODY_MAX, MAX_DAILY_CAP, TEXT_LIMITS, TITLE_MAX
from app.web.validators import max_length, required

LANGUAGE_CHOICES = [
    SelectChoice("ru", _l("Russian")),
    SelectChoice("kk", _l("Kazakh")),
    SelectChoice("en", _l("English")),
]
KIND_CHOICES = [
    SelectChoice("qa", _l("Question and answer")),
    SelectChoice("doc", _l("Short document")),
]


def _text(label, name, rows=None):
    kw = {"render_kw": {"rows": rows}} if rows else {}
    cls = TextAreaField if rows else StringField
    return cls(label, validators=[max_length(TEXT_LIMITS[name])], **kw)


class SettingsForm(FlaskForm):
    enabled = BooleanField(_l("Assistant on (drafts in the inbox)"))
    auto_reply = BooleanField(_l("Answer DMs automatically inside the 24-hour window"))
    business_name = _text(_l("Business name"), "business_name")
    offer = _text(_l("What the business sells"), "offer", rows=3)
    prices = _text(_l("Prices"), "prices", rows=3)
    hours = _text(_l("Opening hours"), "hours")
    address = _text(_l("Address"), "address")
    tone = _text(_l("Tone"), "tone")
    ru = BooleanField(_l("Russian"), default=True)
    kk = BooleanField(_l("Kazakh"), default=True)
    en = BooleanField(_l("English"), default=True)
    default_language = SelectField(
        _l("Otherwise answer in"), choices=LANGUAGE_CHOICES, default="ru"
    )
    handover_topics = _text(_l("Never handle these words and topics"), "handover_topics", rows=3)
    disclosure_text = _text(_l("Note in the first automated answer"), "disclosure_text")
    daily_cap = IntegerField(
        _l("Model calls per day at most"),
        default=200,
        validators=[Optional(), NumberRange(min=0, max=MAX_DAILY_CAP)],
    )
    log_texts = BooleanField(_l("Keep message texts in the call log"))


class KnowledgeForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES, default="qa")
    title = StringField(_l("Question or title"), validators=[required(), max_length(TITLE_MAX)])
    body = TextAreaField(
        _l("Answer or text"),
        validators=[required(), max_length(BODY_MAX)],
        render_kw={"rows": 3},
    )
