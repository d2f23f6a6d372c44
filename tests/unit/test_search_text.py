"""Search tokens for Chinese and English product names."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from posapp.domain.search_text import document_tokens, query_terms


def _finds(name: str, query: str) -> bool:
    tokens = document_tokens(name)
    return all(any(t.startswith(term) for t in tokens) for term in query_terms(query))


def test_pinyin_initials_anywhere_in_the_name():
    assert _finds("鲜牛奶", "nn") and _finds("鲜牛奶", "xnn") and _finds("光明 鲜牛奶 950ml", "gmxnn")
    assert _finds("红富士苹果 散称", "pgsc")
    assert not _finds("鲜牛奶", "kl")


def test_full_pinyin_chinese_words_and_english():
    assert _finds("蒙牛 纯牛奶", "niunai") and _finds("蒙牛 纯牛奶", "chunniu")
    assert _finds("蒙牛 纯牛奶", "纯牛奶") and _finds("蒙牛 纯牛奶", "牛")
    assert _finds("Coca-Cola 330ml", "coca") and _finds("Coca-Cola 330ml", "330")
    assert not _finds("蒙牛 纯牛奶", "奶纯")


def test_polyphonic_characters_match_either_reading():
    assert _finds("银行卡", "yhk") and _finds("银行卡", "yxk")


def test_query_terms_are_bounded_and_lower_case():
    assert query_terms("Milk  牛奶 NN") == ["milk", "牛奶", "nn"]
    assert query_terms("鲜牛奶") == ["鲜牛", "牛奶"]
    assert len(query_terms("a b c d e f g h i")) == 6
    assert query_terms("'\"*:;()") == []


@given(st.text(max_size=40))
def test_any_text_gives_safe_tokens(text):
    # Tokens go into FTS5 and tsquery syntax unquoted: only [a-z0-9] and CJK characters may appear.
    for token in document_tokens(text) + query_terms(text):
        assert token and all(c.isascii() and c.isalnum() or "\u3400" <= c <= "\ufaff" for c in token)
        assert token == token.lower()
