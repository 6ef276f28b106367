"""Translations: complete catalogs, locale selection, plural forms, local dates."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, ngettext

from app.config import ROOT
from app.i18n import local_datetime
from tests.conftest import login, post_form

CATALOGS = ROOT / "app" / "translations"


def _catalog(lang: str):
    with open(CATALOGS / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


def _template_ids() -> set[str]:
    with open(CATALOGS / "messages.pot", "rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_every_msgid_is_translated(lang):
    catalog = _catalog(lang)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(s.strip() for s in strings) or message.fuzzy:
            missing.append(message.id)
    assert missing == []


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
def test_catalogs_cover_every_string_in_the_code(lang):
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(lang) if m.id}
    assert _template_ids() - ids == set(), "run `make messages` and translate"


def test_template_is_up_to_date_with_the_code(tmp_path: Path):
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with open(CATALOGS / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = {
        (msg if isinstance(msg, str) else msg[0])
        for _, _, msg, _, _ in extract_from_dir(
            ROOT / "app",
            method_map,
            options_map,
            keywords={
                "_": None,
                "_l": None,
                "gettext": None,
                "lazy_gettext": None,
                "ngettext": (1, 2),
                "lazy_ngettext": (1, 2),
            },
        )
    }
    assert found - _template_ids() == set(), "run `make messages` and translate"


def test_kazakh_and_russian_plural_forms(app):
    assert "nplurals=2" in _catalog("kk").plural_forms
    assert "nplurals=3" in _catalog("ru").plural_forms
    with app.test_request_context():
        with force_locale("ru"):
            texts = [
                ngettext(
                    "Too many failed sign-in attempts. Try again in %(num)d minute.",
                    "Too many failed sign-in attempts. Try again in %(num)d minutes.",
                    n,
                )
                for n in (1, 3, 5)
            ]
        assert texts[0].endswith("1 минуту.") and texts[1].endswith("3 минуты.")
        assert texts[2].endswith("5 минут.")
        with force_locale("kk"):
            one = ngettext(
                "Too many failed sign-in attempts. Try again in %(num)d minute.",
                "Too many failed sign-in attempts. Try again in %(num)d minutes.",
                1,
            )
        assert "1 минуттан" in one


def test_locale_from_accept_language_then_default(client):
    assert 'lang="kk"' in client.get("/login", headers={"Accept-Language": "kk-KZ,kk"}).text
    assert 'lang="ru"' in client.get("/login", headers={"Accept-Language": "ru;q=0.9"}).text
    assert 'lang="en"' in client.get("/login", headers={"Accept-Language": "de"}).text


def test_language_choice_is_stored_on_the_user(client, make_user, session):
    user = make_user("alice")
    login(client, "alice")
    resp = post_form(client, "/", "/language", {"language": "kk", "next": "/"})
    assert resp.status_code == 302
    session.refresh(user)
    assert user.locale == "kk"
    page = client.get("/", headers={"Accept-Language": "en"}).text
    assert 'lang="kk"' in page and "Шығу" in page


def test_dates_in_workspace_timezone_per_locale(app):
    moment = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)
    with app.test_request_context():
        from flask import g

        from app.models import Workspace

        g.workspace = Workspace(name="x", timezone="Asia/Almaty")
        with force_locale("ru"):
            ru = local_datetime(moment)
        with force_locale("en"):
            en = local_datetime(moment)
        with force_locale("kk"):
            kk = local_datetime(moment)
    # 06:30 UTC is 11:30 in Almaty (UTC+5 since 2024-03-01).
    assert "11:30" in ru and "11:30" in en and "11:30" in kk
    assert "мар" in ru and "Mar" in en and "нау" in kk
