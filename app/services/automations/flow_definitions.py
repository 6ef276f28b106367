"""Creating and changing flows (shared by the dashboard and the API)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.models import AutomationFlow, AutomationFlowStep, CustomField
from app.services.automations import contacts as contacts_service
from app.services.automations.definitions import DefinitionError, checked_text
from app.services.workspaces import scoped

MAX_STEPS = 30
MAX_BUTTONS = 13  # Instagram shows at most 13 quick replies
_ARROW = re.compile(r"\s*(?:->|→|=>)\s*")


@dataclass
class StepData:
    kind: str = "text"
    text: str = ""
    image_url: str = ""
    buttons: list[tuple[str, int | None]] = field(default_factory=list)
    branches: list[tuple[list[str], int | None]] = field(default_factory=list)
    field_key: str = ""
    validate: str = ""
    reask_text: str = ""
    tags: list[str] = field(default_factory=list)
    timeout_minutes: int | None = None
    next_position: int | None = None


def parse_lines(raw: str | None) -> list[tuple[str, int | None]]:
    """Editor lines "Title -> 3" (or just "Title") as (text, step number or None)."""
    out = []
    for line in (raw or "").splitlines():
        if not line.strip():
            continue
        parts = _ARROW.split(line.strip(), maxsplit=1)
        target = parts[1].strip() if len(parts) > 1 else ""
        out.append((parts[0].strip(), int(target) if target.isdigit() else None))
    return out


def step_data_of(session: Session, step: AutomationFlowStep) -> StepData:
    """A stored step as editable data (to keep steps when only the name changes)."""
    field = session.get(CustomField, step.field_id) if step.field_id else None
    return StepData(
        kind=step.kind,
        text=step.text or "",
        image_url=step.image_url or "",
        buttons=[(b["title"], b.get("next")) for b in step.buttons or []],
        branches=[(b["keywords"], b.get("next")) for b in step.branches or []],
        field_key=field.key if field is not None else "",
        validate=step.validate or "",
        reask_text=step.reask_text or "",
        tags=list(step.tags or []),
        timeout_minutes=step.timeout_minutes,
        next_position=step.next_position,
    )


def save_flow(
    session: Session, ws: int, name: str, steps: list[StepData], flow: AutomationFlow | None = None
) -> AutomationFlow:
    """Create or replace a flow; steps are numbered 1..n in the order given."""
    from app.services.automations.flows import STEP_KINDS, VALIDATIONS, payload_for

    name = " ".join((name or "").split())[:120]
    if not name:
        raise DefinitionError("name_empty", "name")
    if not steps or len(steps) > MAX_STEPS:
        raise DefinitionError("steps_empty", "steps")
    if flow is None:
        flow = AutomationFlow(workspace_id=ws)
        session.add(flow)
    flow.name = name
    session.flush()
    rows = []
    for pos, s in enumerate(steps, start=1):
        where = f"steps.{pos}"
        if s.kind not in STEP_KINDS:
            raise DefinitionError("step_kind_invalid", where)
        if s.validate and s.validate not in VALIDATIONS:
            raise DefinitionError("validate_invalid", where)
        text = s.text.strip() or None
        if s.kind in ("text", "question"):
            text = checked_text(s.text, where, dm=True)
        if s.kind == "image" and not s.image_url.startswith(("https://", "http://")):
            raise DefinitionError("image_url_invalid", where)
        targets = [t for _, t in s.buttons] + [t for _, t in s.branches] + [s.next_position]
        if any(t is not None and not 1 <= t <= len(steps) for t in targets):
            raise DefinitionError("step_missing", where)
        if len(s.buttons) > MAX_BUTTONS or any(not t.strip() for t, _ in s.buttons):
            raise DefinitionError("buttons_invalid", where)
        field_id = None
        if s.field_key:
            found = contacts_service.field_by_key(session, ws, s.field_key)
            if found is None:
                raise DefinitionError("field_missing", where)
            field_id = found.id
        step = AutomationFlowStep(
            position=pos,
            kind=s.kind,
            text=text,
            image_url=s.image_url or None,
            field_id=field_id if s.kind == "question" else None,
            validate=(s.validate or None) if s.kind == "question" else None,
            reask_text=s.reask_text.strip() or None,
            tags=[contacts_service.clean_tag(t) for t in s.tags if t.strip()] or None,
            timeout_minutes=s.timeout_minutes,
            next_position=s.next_position,
            branches=[{"keywords": k, "next": t} for k, t in s.branches if k] or None,
        )
        step.flow_id = flow.id
        step.buttons = [
            {"title": title[:20], "payload": payload_for(step, i), "next": t}
            for i, (title, t) in enumerate(s.buttons)
        ] or None
        rows.append(step)
    flow.steps[:] = rows
    session.flush()
    return flow


def flows_of(session: Session, ws: int) -> list[AutomationFlow]:
    return list(session.scalars(scoped(AutomationFlow, ws).order_by(AutomationFlow.name)))
