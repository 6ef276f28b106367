"""Rows of the current workspace, as API endpoints fetch and page them."""

from __future__ import annotations

from flask import g

from app.extensions import db
from app.services.workspaces import get_scoped
from app.web.api.errors import ApiError
from app.web.api.schemas import decode_cursor, page_of, parse_id


def scoped_or_404(model, key: str):
    """The `model` row with id `key` in the caller's workspace; a 404 for anything else."""
    row_id = parse_id(key)
    row = get_scoped(db.session, model, row_id, g.workspace.id) if row_id else None
    if row is None:
        raise ApiError(404)
    return row


def id_page(stmt, model, query) -> tuple[list, str | None]:
    """One page of `stmt` in id order, after the cursor `query.next`, `query.limit` long."""
    after = decode_cursor(query.next)
    if after is not None:
        stmt = stmt.where(model.id > after)
    rows = db.session.scalars(stmt.order_by(model.id).limit(query.limit + 1)).all()
    return page_of(list(rows), query.limit)
