"""Request and response bodies of the automations API (rules, flows, contacts, fields)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from app.web.api.schemas import DEFAULT_LIMIT, MAX_LIMIT, Schema, Timestamp, optional

ID = r"^[0-9]{1,18}$"
NAME = Field(min_length=1, max_length=120, pattern=r"\S", description="A name shown in lists.")
TriggerName = Literal["comment", "dm", "story_reply", "story_mention"]
MatchModeName = Literal["any", "all", "any_message"]


class ActionIn(Schema):
    """One action. `config` per `type`: `public_reply` {variants: [text]}, `private_reply` and
    `send_dm` {text}, `start_flow` {flow_id}, `add_tags`/`remove_tags` {tags: [name]},
    `set_field` {field: key, value}, `hide_comment`, `mark_done`, `notify` {}."""

    type: str = Field(min_length=1, max_length=32, pattern=r"^[a-z_]+$")
    config: dict[str, Any] = Field(default_factory=dict)


class ActionOut(Schema):
    type: str
    config: dict[str, Any]


class RuleIn(Schema):
    """A rule: trigger, condition, safety settings and actions (run in the order given)."""

    name: str = NAME
    enabled: bool = True
    account_id: str | None = Field(None, pattern=ID, description="null: every account.")
    trigger: TriggerName = "comment"
    all_posts: bool = Field(True, description="Comment rules: false limits them to the posts.")
    post_ids: list[str] = Field(
        default_factory=list, max_length=100, description="Kezek posts, scheduled ones too."
    )
    media_ids: list[str] = Field(
        default_factory=list, max_length=100, description="Published Instagram media ids."
    )
    match_mode: MatchModeName = "any"
    keywords: list[str] = Field(default_factory=list, max_length=50)
    whole_word: bool = True
    first_interaction_only: bool = False
    active_from: Timestamp | None = None
    active_until: Timestamp | None = None
    cooldown_minutes: int = Field(1440, ge=0, le=525600, description="Per person; 0: none.")
    position: int = Field(0, ge=0, le=10000, description="Lower runs first.")
    actions: list[ActionIn] = Field(min_length=1, max_length=20)


class RuleUpdate(Schema):
    """Fields to change; omitted ones stay as they are."""

    name: str = optional("A name shown in lists.", min_length=1, max_length=120, pattern=r"\S")
    enabled: bool = optional()
    trigger: TriggerName = optional()
    all_posts: bool = optional()
    post_ids: list[str] = optional(max_length=100)
    media_ids: list[str] = optional(max_length=100)
    match_mode: MatchModeName = optional()
    keywords: list[str] = optional(max_length=50)
    whole_word: bool = optional()
    first_interaction_only: bool = optional()
    cooldown_minutes: int = optional(ge=0, le=525600)
    position: int = optional(ge=0, le=10000)
    actions: list[ActionIn] = optional(min_length=1, max_length=20)


class RuleOut(Schema):
    id: str
    name: str
    enabled: bool
    account_id: str | None
    trigger: str
    all_posts: bool
    post_ids: list[str]
    media_ids: list[str]
    match_mode: str
    keywords: list[str]
    whole_word: bool
    first_interaction_only: bool
    active_from: Timestamp | None
    active_until: Timestamp | None
    cooldown_minutes: int
    position: int
    actions: list[ActionOut]
    fired_count: int
    last_fired_at: Timestamp | None
    created_at: Timestamp
    clicks: int = Field(0, description="Clicks on tracked links of the rule's DMs, in all.")
    clicked: int = Field(0, description="Contacts who clicked a link of the rule's DMs.")


class RulePage(Schema):
    items: list[RuleOut]
    next: str | None


class ResultOut(Schema):
    type: str
    result: str = Field(description="`done`, `skipped` or `failed`.")
    code: str | None = Field(description="Why it was skipped or failed, e.g. `window_closed`.")


class FiringOut(Schema):
    id: str
    at: Timestamp
    status: str = Field(description="`fired`, or `cooldown` when held back.")
    event_kind: str
    contact_id: str | None
    thread_id: str | None
    results: list[ResultOut]


class FiringPage(Schema):
    items: list[FiringOut]
    next: str | None


class ButtonIn(Schema):
    title: str = Field(min_length=1, max_length=20, pattern=r"\S")
    next: int | None = Field(None, ge=1, le=30, description="Step number; null: the next.")


class BranchIn(Schema):
    keywords: list[str] = Field(min_length=1, max_length=20)
    next: int | None = Field(None, ge=1, le=30)


class StepIn(Schema):
    kind: Literal["text", "image", "question", "tags", "end"]
    text: str = Field("", max_length=1000)
    image_url: str = Field("", max_length=1000)
    buttons: list[ButtonIn] = Field(default_factory=list, max_length=13)
    branches: list[BranchIn] = Field(default_factory=list, max_length=10)
    field: str = Field("", max_length=64, description="Custom field key storing the answer.")
    validate_as: Literal["", "phone", "email", "number", "date"] = ""
    reask_text: str = Field("", max_length=1000)
    tags: list[str] = Field(default_factory=list, max_length=20)
    timeout_minutes: int | None = Field(None, ge=1, le=10080)
    next: int | None = Field(None, ge=1, le=30)


class FlowIn(Schema):
    name: str = NAME
    steps: list[StepIn] = Field(min_length=1, max_length=30)


class FlowUpdate(Schema):
    """A new name and/or the complete new list of steps; omitted ones stay as they are."""

    name: str = optional("A name shown in lists.", min_length=1, max_length=120, pattern=r"\S")
    steps: list[StepIn] = optional(min_length=1, max_length=30)


class ButtonOut(Schema):
    title: str
    payload: str = Field(description="Sent back by Instagram when the person taps it.")
    next: int | None


class StepOut(Schema):
    position: int
    kind: str
    text: str | None
    image_url: str | None
    buttons: list[ButtonOut]
    tags: list[str]
    timeout_minutes: int | None
    next: int | None
    dropped: int = Field(0, description="Runs that stopped at this step (timed out, failed).")
    clicks: int = Field(0, description="Clicks on this step's tracked links, in all.")
    clicked: int = Field(0, description="Contacts who clicked a link of this step.")


class FlowStats(Schema):
    started: int
    delivered: int = Field(description="Runs in which Instagram accepted at least one message.")
    clicked: int = Field(description="Contacts who clicked a tracked link of the flow.")
    clicks: int = Field(description="Clicks on the flow's tracked links, in all.")
    completed: int
    timed_out: int
    failed: int
    waiting: int


class FlowOut(Schema):
    id: str
    name: str
    steps: list[StepOut]
    stats: FlowStats


class FlowPage(Schema):
    items: list[FlowOut]
    next: str | None


class ContactQuery(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page.")
    next: str = optional("Cursor from the previous page's `next`.", pattern=ID)
    q: str = optional("Part of the username.", max_length=100)
    tag: str = optional("Only contacts with this tag (its name).", max_length=64)


class ContactOut(Schema):
    id: str
    account_id: str
    igsid: str = Field(description="The person's Instagram-scoped id.")
    username: str | None
    first_seen_at: Timestamp
    last_interaction_at: Timestamp
    tags: list[str]
    fields: dict[str, str] = Field(description="Custom field values by key.")


class ContactPage(Schema):
    items: list[ContactOut]
    next: str | None


class ContactUpdate(Schema):
    tags: list[str] = optional("The complete new list of tags.", max_length=50)
    fields: dict[str, str | None] = optional("Values by field key; null clears one.")


class FieldIn(Schema):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    name: str = NAME
    type: Literal["text", "number", "date", "bool"] = "text"


class FieldOut(Schema):
    id: str
    key: str
    name: str
    type: str


class FieldList(Schema):
    items: list[FieldOut]
