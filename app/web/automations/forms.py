"""Automation forms (lists such as chosen posts are read from the request)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from app.web.validators import max_length, required

TRIGGERS = [
    SelectChoice("comment", _l("A comment on a post")),
    SelectChoice("dm", _l("A direct message")),
    SelectChoice("story_reply", _l("A reply to a story")),
    SelectChoice("story_mention", _l("A mention in a story")),
]
MATCH_MODES = [
    SelectChoice("any", _l("Any of the keywords")),
    SelectChoice("all", _l("All of the keywords")),
    SelectChoice("any_message", _l("Any message")),
]
STEP_KINDS = [
    SelectChoice("text", _l("Send text")),
    SelectChoice("image", _l("Send an image")),
    SelectChoice("question", _l("Ask and wait for the answer")),
    SelectChoice("tags", _l("Add tags")),
    SelectChoice("end", _l("End")),
]
VALIDATIONS = [
    SelectChoice("", _l("Any text")),
    SelectChoice("phone", _l("Phone number")),
    SelectChoice("email", _l("E-mail")),
    SelectChoice("number", _l("Number")),
    SelectChoice("date", _l("Date (YYYY-MM-DD)")),
]
FIELD_TYPES = [
    SelectChoice("text", _l("Text")),
    SelectChoice("number", _l("Number")),
    SelectChoice("date", _l("Date")),
    SelectChoice("bool", _l("Yes/no")),
]
DATETIME = {"type": "datetime-local"}


class RuleForm(FlaskForm):
    name = StringField(_l("Name"), validators=[required(), max_length(120)])
    enabled = BooleanField(_l("Active"), default=True)
    account_id = SelectField(_l("Account"), choices=[], validate_choice=False)
    trigger = SelectField(_l("When"), choices=TRIGGERS, default="comment")
    all_posts = RadioField(
        _l("Posts"),
        choices=[
            SelectChoice("1", _l("Every post")),
            SelectChoice("0", _l("Only the posts chosen below")),
        ],
        default="1",
    )
    match_mode = SelectField(_l("Condition"), choices=MATCH_MODES, default="any")
    keywords = TextAreaField(_l("Keywords"), validators=[max_length(2000)], render_kw={"rows": 3})
    whole_word = BooleanField(_l("Whole words only"), default=True)
    first_interaction_only = BooleanField(_l("Only the person's first message or comment"))
    active_from = StringField(_l("Active from"), render_kw=DATETIME)
    active_until = StringField(_l("Active until"), render_kw=DATETIME)
    cooldown_minutes = IntegerField(
        _l("Cooldown per person (minutes)"),
        default=1440,
        validators=[Optional(), NumberRange(min=0, max=525600)],
    )
    public_reply = TextAreaField(
        _l("Public reply (one variant per line, chosen at random)"),
        validators=[max_length(10000)],
        render_kw={"rows": 3},
    )
    private_reply = TextAreaField(
        _l("Private reply to the commenter"), validators=[max_length(1000)], render_kw={"rows": 2}
    )
    send_dm = TextAreaField(
        _l("Send a DM (inside the 24-hour window)"),
        validators=[max_length(1000)],
        render_kw={"rows": 2},
    )
    ai_reply = BooleanField(_l("AI reply"))
    flow_id = SelectField(_l("Start a flow"), choices=[], validate_choice=False)
    add_tags = StringField(_l("Add tags (comma-separated)"), validators=[max_length(500)])
    remove_tags = StringField(_l("Remove tags (comma-separated)"), validators=[max_length(500)])
    set_field = SelectField(_l("Set a field"), choices=[], validate_choice=False)
    set_field_value = StringField(_l("Value"), validators=[max_length(1000)])
    hide_comment = BooleanField(_l("Hide the comment"))
    mark_done = BooleanField(_l("Mark the thread done"))
    notify = BooleanField(_l("Notify the team"))


class StepForm(Form):
    kind = SelectField(_l("Step"), choices=STEP_KINDS, default="text")
    text = TextAreaField(_l("Text"), validators=[max_length(1000)], render_kw={"rows": 2})
    image_url = StringField(_l("Image URL"), validators=[max_length(1000)])
    buttons = TextAreaField(
        _l("Buttons (one per line: Title -> step number)"),
        validators=[max_length(2000)],
        render_kw={"rows": 2},
    )
    branches = TextAreaField(
        _l("Keyword branches (one per line: word, word -> step number)"),
        validators=[max_length(2000)],
        render_kw={"rows": 2},
    )
    field_key = SelectField(_l("Save the answer in"), choices=[], validate_choice=False)
    validate = SelectField(_l("Answer must be"), choices=VALIDATIONS, default="")
    reask_text = TextAreaField(
        _l("Ask again with (when the answer is not valid)"),
        validators=[max_length(1000)],
        render_kw={"rows": 1},
    )
    tags = StringField(_l("Tags (comma-separated)"), validators=[max_length(500)])
    timeout_minutes = IntegerField(
        _l("Wait at most (minutes)"), validators=[Optional(), NumberRange(min=1, max=10080)]
    )
    next_position = IntegerField(
        _l("Then go to step"), validators=[Optional(), NumberRange(min=1, max=30)]
    )
    remove = BooleanField(_l("Remove this step"))


class FlowForm(FlaskForm):
    name = StringField(_l("Name"), validators=[required(), max_length(120)])
    steps = FieldList(FormField(StepForm), min_entries=1, max_entries=31)


class FieldForm(FlaskForm):
    key = StringField(_l("Key (used as {{key}} in texts)"), validators=[required(), max_length(64)])
    name = StringField(_l("Name"), validators=[max_length(120)])
    type = SelectField(_l("Type"), choices=FIELD_TYPES, default="text")


class TagForm(FlaskForm):
    tag = StringField(_l("Tag"), validators=[required(), max_length(64)])


class ValueForm(FlaskForm):
    value = StringField(_l("Value"), validators=[max_length(1000)])
