"""Bulk import: a CSV file of posts to schedule, with a per-row report of what was refused."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.models import InstagramAccount, MediaItem
from app.services.posts import PostError, create_posts
from app.services.workspaces import scoped

COLUMNS = ("date", "time", "account", "type", "caption", "media", "first_comment")
REQUIRED = ("date", "time", "account", "type", "media")
MAX_ROWS = 500
MAX_BYTES = 2 * 1024 * 1024
TYPE_ALIASES = {"post": "image", "photo": "image", "album": "carousel", "reels": "reel"}
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y")
TIME_FORMATS = ("%H:%M", "%H:%M:%S")


class ImportError_(Exception):
    """The file as a whole cannot be read; `code` names why."""

    def __init__(self, code: str, params: dict | None = None):
        super().__init__(code)
        self.code = code
        self.params = params or {}


@dataclass
class RowResult:
    """The outcome of one CSV row (line numbers count the header as line 1)."""

    line: int
    account: str = ""
    post_ids: list[int] = field(default_factory=list)
    code: str | None = None
    params: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.code is None


class RowError(Exception):
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def read_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """Decode and parse a CSV upload into (line, row) pairs; raises ImportError_."""
    if not data.strip():
        raise ImportError_("csv_empty")
    if len(data) > MAX_BYTES:
        raise ImportError_("csv_too_large")
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1251 decodes nearly anything
        raise ImportError_("csv_not_text")
    if "\x00" in text:
        raise ImportError_("csv_not_text")
    first = text.splitlines()[0] if text.splitlines() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error):
        raise ImportError_("csv_empty") from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportError_("csv_columns_missing", {"columns": ", ".join(missing)})
    rows = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            row = {name: (values[i] if i < len(values) else "") for i, name in enumerate(header)}
            rows.append((reader.line_num, row))
            if len(rows) > MAX_ROWS:
                raise ImportError_("csv_too_many_rows", {"max": MAX_ROWS})
    except csv.Error:
        raise ImportError_("csv_not_text") from None
    if not rows:
        raise ImportError_("csv_empty")
    return rows


def _parse(value: str, formats, kind):
    for fmt in formats:
        try:
            parsed = datetime.strptime(value.strip(), fmt)
        except ValueError:
            continue
        return parsed.date() if kind is date else parsed.time()
    return None


def scheduled_utc(day: str, at: str, tz: str) -> datetime:
    """A local date and time in the workspace timezone as an aware UTC datetime."""
    d = _parse(day, DATE_FORMATS, date)
    if d is None:
        raise RowError("csv_date_invalid", value=day.strip()[:40])
    t = _parse(at, TIME_FORMATS, time)
    if t is None:
        raise RowError("csv_time_invalid", value=at.strip()[:40])
    return datetime.combine(d, t, tzinfo=ZoneInfo(tz)).astimezone(ZoneInfo("UTC"))


class _Lookup:
    """Accounts and library items of one workspace, found by name or id."""

    def __init__(self, session: Session, workspace_id: int):
        self.accounts = list(session.scalars(scoped(InstagramAccount, workspace_id)))
        self.session = session
        self.workspace_id = workspace_id

    def account(self, value: str) -> InstagramAccount:
        key = value.strip().lstrip("@").lower()
        for a in self.accounts:
            if key and key in (a.username.lower(), str(a.id), a.ig_user_id):
                return a
        raise RowError("csv_account_unknown", value=value.strip()[:60])

    def media(self, value: str) -> list[int]:
        ids = []
        for name in (part.strip() for part in value.split("|")):
            if not name:
                continue
            stmt = scoped(MediaItem, self.workspace_id)
            if name.isdigit():
                found = self.session.scalars(stmt.where(MediaItem.id == int(name))).all()
            else:
                found = []
            if not found:
                found = self.session.scalars(
                    stmt.where(MediaItem.original_name == name).order_by(MediaItem.id)
                ).all()
            if not found:
                raise RowError("csv_media_unknown", value=name[:120])
            if len(found) > 1:
                raise RowError("csv_media_ambiguous", value=name[:120])
            ids.append(found[0].id)
        if not ids:
            raise RowError("csv_media_missing")
        return ids


def import_posts(
    session: Session, settings, *, workspace_id: int, timezone: str, user, data: bytes
) -> list[RowResult]:
    """Create the posts of every valid row; each row succeeds or fails on its own."""
    rows = read_rows(data)
    lookup = _Lookup(session, workspace_id)
    results = []
    for line, row in rows:
        result = RowResult(line=line, account=row.get("account", "").strip()[:60])
        try:
            when = scheduled_utc(row.get("date", ""), row.get("time", ""), timezone)
            account = lookup.account(row.get("account", ""))
            ptype = row.get("type", "").strip().lower()
            ptype = TYPE_ALIASES.get(ptype, ptype)
            if ptype not in ("image", "carousel", "reel", "story"):
                raise RowError("csv_type_invalid", value=row.get("type", "").strip()[:40])
            media_ids = lookup.media(row.get("media", ""))
            with session.begin_nested():
                posts = create_posts(
                    session,
                    settings,
                    workspace_id=workspace_id,
                    user=user,
                    account_ids=[account.id],
                    type=ptype,
                    media_ids=media_ids,
                    caption=row.get("caption", "").strip(),
                    first_comment=row.get("first_comment", "").strip() or None,
                    scheduled_at=when,
                )
            result.post_ids = [p.id for p in posts]
        except RowError as e:
            result.code, result.params = e.code, e.params
        except PostError as e:
            result.code, result.params = e.code, dict(e.params)
        results.append(result)
    return results
