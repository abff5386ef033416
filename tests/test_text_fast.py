"""The Unicode fast paths of normalisation and token streams (issue 14) against the plain definitions."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.text import _PUNCT, _fold, normalize, token_stream, tokenize

# Text as news has it: ASCII, typographic quotes and dashes, accented letters, combining marks,
# ligatures and other compatibility forms, case pairs whose folding is not simple.
ALPHABET = st.sampled_from(list("abcXYZ 09._,;\n\t'\"-") + list("‘’“”–—…«»•€\u00a0\u2009éÉüÜßẞçñİıǅﬁ½µΣσς\u0301\u0308"))
TEXTS = st.text(ALPHABET, max_size=60)


def reference_normalize(text: str) -> str:
    if text.isascii():
        return " ".join(text.lower().split())
    folded = _fold(text)
    while (again := _fold(folded)) != folded:
        folded = again
    return " ".join(folded.translate(_PUNCT).split())


@settings(max_examples=400)
@given(TEXTS)
def test_token_stream_is_the_tokens_norms(text):
    assert token_stream(text) == (text.lower() if text.isascii() else " ".join(t.norm for t in tokenize(text)))


@settings(max_examples=400)
@given(TEXTS)
def test_normalize_equals_the_fixed_point_definition(text):
    assert normalize(text) == reference_normalize(text)


def test_typographic_news_text_takes_the_fast_path_and_keeps_its_words():
    text = "“It’s over,” the minister said — again…\u00a0Prices rose 3 %."
    assert token_stream(text) == "it s over the minister said again prices rose 3"
    assert normalize(text) == "\"it's over,\" the minister said - again... prices rose 3 %."
