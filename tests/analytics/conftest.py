"""Analytics fixtures: a connected sandbox account, moving time, seeded analytics rows."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.models import FollowerSnapshot, InstagramAccount, MediaInsight, utcnow
from app.models.analytics import SnapshotStatus
from app.services.analytics_rollup import rebuild
from tests.conftest import login
from tests.test_accounts import connect

ALMATY = ZoneInfo("Asia/Almaty")
DEMO = "17841400000000001"


class Clock:
    """Kezek's `now` and the sandbox clock moved together, to a local day and hour."""

    def __init__(self, stack):
        self.stack = stack

    def at(self, days_ahead: int, hour: int = 7) -> datetime:
        """Local (Asia/Almaty) today + days_ahead at `hour`; the sandbox follows."""
        local_today = utcnow().astimezone(ALMATY).date()
        target = datetime.combine(local_today + timedelta(days=days_ahead), time(hour), ALMATY)
        offset = (target - utcnow()).total_seconds()
        self.stack.admin("POST", "clock", {"offset_seconds": offset})
        return target.astimezone(UTC)

    def followers(self, ig_user_id: str = DEMO) -> int:
        """The sandbox's follower count of an account on its current day."""
        state = self.stack.admin("GET", "state")
        return next(
            a["followers_count"] for a in state["accounts"] if a["ig_user_id"] == ig_user_id
        )


@pytest.fixture
def clock(ig_stack):
    return Clock(ig_stack)


@pytest.fixture
def connected(client, make_user, ig_stack, session):
    """Alice signed in with the demo account connected through the sandbox's OAuth."""
    make_user("alice")
    login(client, "alice")
    resp = connect(client)
    assert resp.status_code == 302
    account = session.scalar(select(InstagramAccount).where(InstagramAccount.ig_user_id == DEMO))
    return account


@pytest.fixture
def in_app(app):
    """Run a function inside an app context (as a scheduler job does) and commit."""
    from app.extensions import db

    def run(func, *args, **kwargs):
        with app.app_context():
            result = func(*args, **kwargs)
            db.session.commit()
            return result

    return run


@pytest.fixture
def make_ig_account(session):
    """Factory: an account row (no token) in a workspace."""
    counter = iter(range(1, 10_000))

    def factory(workspace_id: int, username: str = "cafe.salem", followers: int = 500):
        n = next(counter)
        account = InstagramAccount(
            workspace_id=workspace_id,
            ig_user_id=f"17841499{workspace_id:05d}{n:04d}",
            username=username,
            followers_count=followers,
        )
        session.add(account)
        session.commit()
        return account

    return factory


def local_today() -> date:
    return utcnow().astimezone(ALMATY).date()


def add_snapshots(session, account, values: dict[int, int | None]) -> None:
    """Snapshots by days-ago: an int is a taken snapshot, None a recorded missing day."""
    today = local_today()
    for ago, followers in values.items():
        session.add(
            FollowerSnapshot(
                workspace_id=account.workspace_id,
                account_id=account.id,
                day=today - timedelta(days=ago),
                status=SnapshotStatus.MISSING.value if followers is None else "taken",
                followers_count=followers,
                follows_count=None if followers is None else 10,
                media_count=None if followers is None else 3,
            )
        )
    session.flush()
    # Rows written directly, not through store_snapshot: rebuild the workspace roll-up from
    # them as the migration's backfill does.
    rebuild(session, account.workspace_id)
    session.commit()


_MEDIA_IDS = itertools.count(1)


def add_post(
    session,
    account,
    *,
    posted_at: datetime,
    reach=None,
    interactions=None,
    product="FEED",
    caption="Жаңа пост",
    ig_media_id=None,
    **metrics,
):
    """A media_insight row with figures."""
    rate = round(interactions / reach, 6) if reach and interactions is not None else None
    row = MediaInsight(
        workspace_id=account.workspace_id,
        account_id=account.id,
        ig_media_id=ig_media_id or f"m{next(_MEDIA_IDS)}",
        media_product_type=product,
        media_type="IMAGE",
        caption=caption,
        permalink="https://www.instagram.com/p/x/",
        posted_at=posted_at,
        reach=reach,
        total_interactions=interactions,
        engagement_rate=rate,
        fetch_count=1,
        **metrics,
    )
    session.add(row)
    session.commit()
    return row


@pytest.fixture
def clock_free_now():
    """Today in Asia/Almaty at a local hour, as aware UTC (no sandbox involved)."""

    def at(hour: int, days_ahead: int = 0) -> datetime:
        day = local_today() + timedelta(days=days_ahead)
        return datetime.combine(day, time(hour), ALMATY).astimezone(UTC)

    return at
