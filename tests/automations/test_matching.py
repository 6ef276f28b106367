"""Keyword matching across ru, kk and en (a table, and properties of the normaliser)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.services.automations.matching import matches, normalize, split_keywords, words


@pytest.mark.parametrize(
    ("text", "keywords", "mode", "whole_word", "expected"),
    [
        ("цена?", ["цена"], "any", True, True),
        ("Цена?", ["цена"], "any", True, True),
        ("КАКАЯ ЦЕНА", ["цена"], "any", True, True),
        ("какая цена", ["ЦЕНА"], "any", True, True),
        ("Ещё есть?", ["еще"], "any", True, True),
        ("еще есть?", ["ещё"], "any", True, True),
        ("ЁЛКА", ["елка"], "any", True, True),
        ("Бағасы қанша?", ["бағасы"], "any", True, True),
        ("Багасы канша?", ["бағасы"], "any", True, True),
        ("БАҒАСЫ ҚАНША", ["бағасы қанша"], "any", True, True),
        ("Сіз ашықсыз ба", ["сиз"], "any", True, True),
        ("өнім бар ма", ["оним"], "any", True, True),
        ("ұнады, үлкен рахмет", ["унады"], "any", True, True),
        ("Һәм", ["хам"], "any", True, True),
        ("цeна (a Latin e)", ["цена"], "any", True, True),
        ("ценник висит", ["цена"], "any", True, False),
        ("ценник висит", ["цен"], "any", True, False),
        ("ценник висит", ["цен"], "any", False, True),
        ("price list please", ["price"], "any", True, True),
        ("Pricey", ["price"], "any", True, False),
        ("Pricey", ["price"], "any", False, True),
        ("send the price list", ["price list"], "any", True, True),
        ("list the price", ["price list"], "any", True, False),
        ("прайс-лист, пожалуйста", ["прайс лист"], "any", True, True),
        ("прайс лист", ["прайс-лист"], "any", True, True),
        ("цена и доставка", ["цена", "доставка"], "all", True, True),
        ("цена без", ["цена", "доставка"], "all", True, False),
        ("только доставка", ["цена", "доставка"], "any", True, True),
        ("ничего", ["цена", "доставка"], "any", True, False),
        ("", ["цена"], "any", True, False),
        (None, ["цена"], "any", True, False),
        ("что угодно", [], "any_message", True, True),
        ("", [], "any_message", True, True),
        ("цена", [], "any", True, False),
        ("цена", ["  ", "!!"], "any", True, False),
        ("Café", ["cafe"], "any", True, True),
        ("price!!!", ["PRICE"], "any", True, True),
    ],
)
def test_keyword_table(text, keywords, mode, whole_word, expected):
    assert matches(text, keywords, mode=mode, whole_word=whole_word) is expected


def test_keywords_are_split_on_lines_commas_and_semicolons():
    assert split_keywords("цена, прайс\nбағасы;  price  list ,цена") == [
        "цена",
        "прайс",
        "бағасы",
        "price list",
    ]


LETTERS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһіabcdefghijklmnopqrstuvwxyz"
text_st = st.text(alphabet=LETTERS + LETTERS.upper() + " ,.!?-", max_size=40)
word_st = st.text(alphabet=LETTERS + LETTERS.upper(), min_size=1, max_size=12)


@settings(max_examples=200, derandomize=True, database=None)
@given(text_st)
def test_normalize_is_idempotent_and_case_blind(text):
    once = normalize(text)
    assert normalize(once) == once
    assert normalize(text.upper()) == once == normalize(text.lower())
    assert once == once.strip() and "  " not in once


@settings(max_examples=200, derandomize=True, database=None)
@given(text_st, st.lists(word_st, min_size=1, max_size=3), text_st)
def test_a_phrase_is_found_whatever_surrounds_it(before, phrase, after):
    keyword = " ".join(phrase)
    text = f"{before} {keyword.upper()}, {after}"
    assert matches(text, [keyword])
    assert matches(text, [keyword], whole_word=False)
    assert words(keyword) == words(keyword.swapcase())
