"""Texts for the assistant's codes (errors, hand-over reasons, refused input)."""

from flask_babel import lazy_gettext as _l

ERRORS = {
    "off": _l("The assistant is off for this account. Switch it on in the assistant settings."),
    "not_configured": _l("No AI model is set up. The operator sets AI_API_BASE_URL and AI_MODEL."),
    "capped": _l("The assistant reached its daily limit of model calls for this account."),
    "timeout": _l("The AI model did not answer in time. You can still write the reply yourself."),
    "unreachable": _l(
        "The AI model cannot be reached right now. You can still write the reply yourself."
    ),
    "http_error": _l(
        "The AI model answered with an error. You can still write the reply yourself."
    ),
    "malformed": _l(
        "The AI model's answer could not be read. Try again or write the reply yourself."
    ),
}
GENERIC_ERROR = _l("The assistant could not suggest a reply.")

REASONS = {
    "topic": _l("The conversation touches a topic the assistant must not handle."),
    "person": _l("The customer asks for a person."),
    "unsure": _l("The assistant was not sure of the answer."),
    "unsafe": _l("The model's answer was not safe to send."),
    "model": _l("The AI model did not answer."),
    "capped": _l("The assistant reached its daily limit of model calls."),
}
GENERIC_REASON = _l("The assistant handed it over.")

INPUT = {
    "too_long": _l("This text is too long."),
    "languages_invalid": _l("Choose at least one language."),
    "language_invalid": _l("Choose Russian, Kazakh or English."),
    "default_not_allowed": _l("The fallback language must be one of the chosen languages."),
    "cap_invalid": _l("Enter a number from 0 to 100000."),
    "kind_invalid": _l("Choose a question and answer or a short document."),
    "required": _l("This field is required."),
    "too_many": _l("An account can have at most 500 knowledge entries."),
}
GENERIC_INPUT = _l("Invalid value.")


def error_text(code: str) -> str:
    """Why no draft or answer came."""
    return str(ERRORS.get(code, GENERIC_ERROR))


def reason_text(code: str | None) -> str:
    """Why a thread was handed to the team."""
    return str(REASONS.get(code or "", GENERIC_REASON))


def input_text(code: str) -> str:
    """Why an input was refused."""
    return str(INPUT.get(code, GENERIC_INPUT))
