"""Rows of every automation kind the API exposes by id, for the API isolation test."""

from __future__ import annotations

from app.models import InstagramAccount
from app.services.automations import contacts, definitions, flow_definitions


def automation_ids(session, workspace_id: int) -> dict[str, int]:
    """A rule, a flow and a contact in the workspace, by the API's path parameter names."""
    rule = definitions.save_rule(
        session,
        workspace_id,
        definitions.RuleData(
            name="R", trigger="dm", match_mode="any_message", actions=[("notify", {})]
        ),
    )
    flow = flow_definitions.save_flow(
        session, workspace_id, "F", [flow_definitions.StepData(kind="text", text="Hi")]
    )
    account = InstagramAccount(workspace_id=workspace_id, ig_user_id="17841499999999999")
    account.username = "isolation"
    session.add(account)
    session.flush()
    contact, _ = contacts.touch_contact(session, account, "6199999999999999", "c")
    session.flush()
    return {"rule_id": rule.id, "flow_id": flow.id, "contact_id": contact.id}
