"""Retrieval, language detection, answer parsing and cleaning (pure functions)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.services import assistant_prompt as prompt
from app.services.assistant_retrieval import tokens, top


def test_bm25_picks_the_entry_that_answers_across_word_forms():
    items = ["delivery", "dogs", "wifi"]
    texts = [
        "Есть ли доставка? Доставка по Алматы 1000 ₸",
        "Можно ли с собакой? Да, веранда",
        "Wi-Fi пароль у бариста",
    ]
    assert top(items, texts, "Сколько стоит доставку сделать?", 2) == ["delivery"]
    assert top(items, texts, "can I come with my dog", 2) == []
    assert top(items, texts, "", 2) == []
    assert tokens("Цены") == tokens("цена")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Сәлем! Жеткізу бар ма?", "kk"),
        ("Привет, есть доставка?", "ru"),
        ("Hi there", "en"),
        ("👍", None),
    ],
)
def test_language_detection(text, lang):
    assert prompt.detect_language(text) == lang


def test_reply_language_follows_policy():
    prefs = SimpleNamespace(languages="ru,en", default_language="ru")
    assert prompt.reply_language(prefs, "Hello, do you deliver?") == "en"
    assert prompt.reply_language(prefs, "Сәлем, жеткізу бар ма?") == "ru"


def test_parse_answer_variants():
    assert prompt.parse_answer('{"reply": "Да", "status": "answer"}').reply == "Да"
    fenced = '```json\n{"reply": "Да", "status": "unsure"}\n```'
    assert prompt.parse_answer(fenced).status == "unsure"
    assert prompt.parse_answer('Sure! {"reply": "x", "status": "weird"}').status == "unsure"
    assert prompt.parse_answer("just text") is None
    assert prompt.parse_answer('{"reply": 5}') is None


def test_clean_reply_keeps_plain_text_within_limits():
    dirty = "<b>Привет</b>\u202e **жирный** `код`\x07 <script>alert(1)</script>"
    assert prompt.clean_reply(dirty) == "Привет жирный код alert(1)"
    long = "ж" * 900
    out = prompt.clean_reply(long, max_bytes=1000)
    assert len(out.encode()) <= 1000 and out.endswith("…")
    assert len(prompt.clean_reply("a" * 3000, max_chars=2200)) == 2200


def test_leak_detection():
    assert prompt.leaks_rules("Sure: " + prompt.CANARY)
    assert not prompt.leaks_rules("Латте стоит 1200 ₸")
