"""Bulk import from CSV: good rows become scheduled posts, bad rows get a reason each."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from app.models import MediaItem
from tests.conftest import csrf_from
from tests.publishing.composer_support import owner_client, posts_of, set_timezone
from tests.publishing.conftest import DEMO_2


def upload(client, data: bytes, name: str = "posts.csv", headers=None):
    token = csrf_from(client.get("/publishing/import").text)
    return client.post(
        "/publishing/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        headers=headers or {},
    )


def report(html: str) -> dict[int, tuple[bool, str]]:
    rows = re.findall(
        r'data-line="(\d+)" data-ok="(\d)">\s*<td>\d+</td>\s*<td>[^<]*</td>\s*<td>(.*?)</td>',
        html,
        re.S,
    )
    return {int(line): (ok == "1", re.sub(r"<[^>]+>", "", text)) for line, ok, text in rows}


def _named(env, name: str, kind: str = "image") -> MediaItem:
    item = env.media(kind)
    item.original_name = name
    env.session.commit()
    return item


def test_mixed_file_creates_good_rows_and_reports_each_refused_row(env):
    set_timezone(env, "Asia/Almaty")
    env.account(), env.account(DEMO_2)
    menu1, menu2 = _named(env, "menu1.jpg"), _named(env, "menu2.jpg")
    clip = _named(env, "clip.mp4", "video")
    _named(env, "twin.jpg"), _named(env, "twin.jpg")
    lines = [
        "date,time,account,type,caption,media,first_comment",
        '2030-01-10,09:00,aruzhan.coffee,image,"Hello, #almaty",menu1.jpg,#coffee',  # 2 ok
        f"10.01.2030,18:30,@dauren.photo,carousel,Two,menu1.jpg|{menu2.id},",  # 3 ok
        "2030-01-11,10:00,aruzhan.coffee,reel,Reel,clip.mp4,",  # 4 ok
        "2030-13-01,10:00,aruzhan.coffee,image,Bad date,menu1.jpg,",  # 5
        "2030-01-12,25:00,aruzhan.coffee,image,Bad time,menu1.jpg,",  # 6
        "2030-01-12,10:00,nobody.here,image,Who,menu1.jpg,",  # 7
        "2030-01-12,10:00,aruzhan.coffee,video,What,menu1.jpg,",  # 8
        "2030-01-12,10:00,aruzhan.coffee,image,Missing,nothere.jpg,",  # 9
        "2030-01-12,10:00,aruzhan.coffee,image,Twins,twin.jpg,",  # 10
        "2030-01-12,10:00,aruzhan.coffee,carousel,One only,menu1.jpg,",  # 11
        f"2030-01-12,10:00,aruzhan.coffee,image,{'#t ' * 31},menu1.jpg,",  # 12
        "2020-01-12,10:00,aruzhan.coffee,image,Past,menu1.jpg,",  # 13
        "",  # blank lines are skipped
    ]
    client = owner_client(env)
    resp = upload(client, "\n".join(lines).encode())
    assert resp.status_code == 200
    rows = report(resp.text)
    assert [line for line, (ok, _) in rows.items() if ok] == [2, 3, 4]
    assert "The date “2030-13-01” is not valid" in rows[5][1]
    assert "The time “25:00” is not valid" in rows[6][1]
    assert "No connected account “nobody.here”" in rows[7][1]
    assert "Unknown post type “video”" in rows[8][1]
    assert "No file “nothere.jpg” in the media library" in rows[9][1]
    assert "Several library files are named “twin.jpg”" in rows[10][1]
    assert "A carousel needs 2 to 10 images or videos." in rows[11][1]
    assert "The caption has more than 30 hashtags." in rows[12][1]
    assert "The chosen time is in the past." in rows[13][1]
    assert "3 rows were imported. 9 rows were refused." in resp.text

    image, carousel, reel = posts_of(env)
    assert (image.type, carousel.type, reel.type) == ("image", "carousel", "reel")
    assert image.caption == "Hello, #almaty" and image.first_comment == "#coffee"
    assert image.scheduled_at == datetime(2030, 1, 10, 4, 0, tzinfo=UTC)
    assert carousel.scheduled_at == datetime(2030, 1, 10, 13, 30, tzinfo=UTC)
    assert [pm.media_id for pm in carousel.media] == [menu1.id, menu2.id]
    assert reel.media[0].media_id == clip.id
    assert all(p.status == "scheduled" for p in (image, carousel, reel))


def test_semicolons_and_windows_cyrillic_are_read(env):
    env.account()
    _named(env, "кофе.jpg")
    text = (
        "date;time;account;type;caption;media\n"
        "2030-02-01;12:00;aruzhan.coffee;image;Кофе дня;кофе.jpg\n"
    )
    resp = upload(owner_client(env), text.encode("cp1251"))
    assert report(resp.text)[2][0] is True
    [post] = posts_of(env)
    assert post.caption == "Кофе дня"


def test_file_level_problems_are_explained(env):
    client = owner_client(env)
    resp = upload(client, b"when,who\n1,2\n")
    assert "missing: date, time, account, type, media" in resp.text
    resp = upload(client, b"")
    assert "The file has no rows to import." in resp.text
    assert posts_of(env) == []


def test_the_report_is_in_the_users_language(env):
    env.account()
    _named(env, "menu1.jpg")
    data = "date,time,account,type,media\n2030-13-01,10:00,aruzhan.coffee,image,menu1.jpg\n"
    resp = upload(owner_client(env), data.encode(), headers={"Accept-Language": "kk"})
    assert "«2030-13-01» күні дұрыс емес" in report(resp.text)[2][1]
    resp = upload(owner_client(env), data.encode(), headers={"Accept-Language": "ru"})
    assert "Дата «2030-13-01» неверна" in report(resp.text)[2][1]
    assert "1 строка отклонена." in resp.text
