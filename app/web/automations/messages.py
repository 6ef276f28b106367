"""Translated texts for definition errors and the outcomes shown in the log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.web.inbox.messages import failure_text

ERRORS = {
    "name_empty": _l("Give it a name."),
    "trigger_invalid": _l("Choose when the rule runs."),
    "match_mode_invalid": _l("Choose a condition."),
    "keywords_empty": _l("Add at least one keyword, or choose “Any message”."),
    "account_missing": _l("This account is not connected in this workspace."),
    "cooldown_invalid": _l("The cooldown must be between 0 minutes and one year."),
    "period_invalid": _l("The end of the active period must be after its start."),
    "actions_empty": _l("Choose at least one action."),
    "action_unknown": _l("Unknown action."),
    "action_comment_only": _l("Public and private replies and hiding work only on comments."),
    "text_empty": _l("Write the text of this action."),
    "text_too_long": _l("The text is longer than Instagram allows."),
    "flow_missing": _l("Choose one of the workspace's flows."),
    "tags_empty": _l("Name at least one tag."),
    "field_missing": _l("Choose one of the workspace's custom fields."),
    "post_missing": _l("One of the chosen posts does not exist."),
    "posts_empty": _l("Choose at least one post, or “Every post”."),
    "steps_empty": _l("A flow needs from 1 to 30 steps."),
    "step_kind_invalid": _l("Unknown kind of step."),
    "validate_invalid": _l("Unknown answer check."),
    "image_url_invalid": _l("The image needs a public http(s) URL."),
    "step_missing": _l("A step number points to a step that does not exist."),
    "buttons_invalid": _l("Up to 13 buttons, each with a title."),
    "field_key_invalid": _l(
        "The key must start with a letter and use only a-z, 0-9 and _ (up to 64)."
    ),
    "field_type_invalid": _l("Unknown field type."),
    "field_key_taken": _l("A field with this key already exists."),
    "tag_empty": _l("Name the tag."),
    "value_not_phone": _l("This is not a phone number."),
    "value_not_email": _l("This is not an e-mail address."),
    "value_not_number": _l("This is not a number."),
    "value_not_date": _l("This is not a date like 2026-12-31."),
    "value_not_bool": _l("Answer yes or no."),
}
OUTCOMES = {
    "cap": _l("skipped: the hourly limit of automated sends was reached"),
    "window_closed": _l("skipped: outside Instagram's messaging window"),
    "private_reply_used": _l("skipped: the comment already got its private reply"),
    "private_reply_expired": _l("skipped: the comment is older than 7 days"),
    "private_reply_own": _l("skipped: not someone else's comment"),
    "private_reply_deleted": _l("skipped: the comment was deleted"),
    "comment_deleted": _l("skipped: the comment was deleted"),
    "not_a_comment": _l("skipped: not a comment"),
    "unknown_action": _l("skipped: unknown action"),
    "no_text": _l("skipped: no text"),
    "no_thread": _l("skipped: no thread"),
    "flow_missing": _l("skipped: the flow was deleted"),
    "field_missing": _l("skipped: the field was deleted"),
    "already_hidden": _l("already hidden"),
}
STATUSES = {
    "fired": _l("Fired"),
    "cooldown": _l("Held back by the cooldown"),
}
RESULTS = {"done": _l("done"), "skipped": _l("skipped"), "failed": _l("failed")}
TRIGGER_NAMES = {
    "comment": _l("Comment"),
    "dm": _l("Direct message"),
    "story_reply": _l("Story reply"),
    "story_mention": _l("Story mention"),
    "postback": _l("Button"),
}
FLOW_STATUSES = {
    "waiting": _l("waiting for an answer"),
    "completed": _l("completed"),
    "timed_out": _l("timed out"),
    "failed": _l("stopped"),
    "replaced": _l("replaced by another flow"),
}


def error_text(code: str) -> str:
    """The sentence for a refused definition or value."""
    return str(ERRORS.get(code, _l("Invalid value.")))


def outcome_text(result: dict) -> str:
    """One action's outcome in the log, e.g. "skipped: outside the messaging window"."""
    code = result.get("code")
    if result.get("result") == "failed":
        if code in ERRORS:
            return f"{RESULTS['failed']}: {ERRORS[code]}"
        return f"{RESULTS['failed']}: {failure_text(code or 'unknown', 'unknown')}"
    if code in OUTCOMES:
        return str(OUTCOMES[code])
    return str(RESULTS.get(result.get("result"), result.get("result", "")))


def action_label(type_: str) -> str:
    """An action type's name in the current language."""
    from app.services.automations.engine import ACTIONS

    spec = ACTIONS.get(type_)
    return str(spec.label) if spec is not None else type_
