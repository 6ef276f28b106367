"""Scan every table through the model metadata for rows that still refer to someone."""

from __future__ import annotations

import json

from sqlalchemy import JSON, String, Text, select

from app.models import Base
from app.services.deletion import UNLINKED_RULES

# Kept on purpose (see UNLINKED_RULES): the request record itself, run counts.
EXEMPT = {"deletion_request", "retention_run"}
ID_COLUMNS = {
    "user": ("user_id",),
    "workspace": ("workspace_id",),
    "instagram_account": ("account_id",),
}


def missing_rules() -> list[str]:
    """Tables neither reached by a cascade from user/workspace/account nor given a rule."""
    reached = {"user", "workspace", "instagram_account"}
    changed = True
    while changed:
        changed = False
        for table in Base.metadata.sorted_tables:
            if table.name in reached:
                continue
            if any(
                fk.column.table.name in reached and fk.ondelete in ("CASCADE", "SET NULL")
                for fk in table.foreign_keys
            ):
                reached.add(table.name)
                changed = True
    return sorted(set(Base.metadata.tables) - reached - set(UNLINKED_RULES))


def leftovers(session, *, ids: dict[str, int], texts: list[str]) -> list[str]:
    """Every row referring to `ids` ({table: id}) or containing `texts`, directly or through
    a foreign key to such a row (a post_log of a deleted account's post counts)."""
    found = []
    texts = [t for t in texts if t]
    tainted: dict[str, set] = {name: {key} for name, key in ids.items()}
    for table in Base.metadata.sorted_tables:
        if table.name in EXEMPT:
            continue
        pk = list(table.primary_key.columns)
        for row in session.execute(select(table)).mappings().all():
            reasons = []
            for col in table.columns:
                value = row[col.name]
                if value is None:
                    continue
                targets = {fk.column.table.name for fk in col.foreign_keys}
                for parent in targets:
                    if value in tainted.get(parent, ()):
                        reasons.append(f"{col.name} -> {parent} {value}")
                if not targets:
                    for parent, names in ID_COLUMNS.items():
                        if col.name in names and parent in ids and value == ids[parent]:
                            reasons.append(f"{col.name} = {value}")
                if isinstance(col.type, String | Text | JSON):
                    text = value if isinstance(value, str) else json.dumps(value)
                    reasons += [f"{col.name} contains {n!r}" for n in texts if n in text]
            if table.name in ids and len(pk) == 1 and row[pk[0].name] == ids[table.name]:
                reasons.append("is the row itself")
            if reasons:
                if len(pk) == 1:
                    tainted.setdefault(table.name, set()).add(row[pk[0].name])
                found += [f"{table.name}.{r}" for r in reasons]
    return found
