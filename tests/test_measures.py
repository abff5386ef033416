"""One Jaccard for every match: the near-duplicate stage, the passage stage and the semantic layers agree."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from copydesk.measures import word_jaccard
from copydesk.passages import relate
from copydesk.pipeline import exact_jaccard
from copydesk.sketch import MinHasher
from copydesk.types import DocView

# Words with case, width and ligature variants that normalise to one form.
WORDS = ["Straße", "STRASSE", "strasse", "ｆｕｌｌ", "full", "Ärger", "ärger", "news", "the", "ﬁle", "file", "a",
         "news,", "(the", "file.", "—", "“Full”", "don't", "ninety-one."]
TEXTS = st.lists(st.sampled_from(WORDS), max_size=24).map(" ".join)


@given(TEXTS, TEXTS)
def test_the_near_stage_computes_the_same_jaccard(text_a, text_b):
    """The vectorised near-duplicate Jaccard (hashed shingles) is the one definition."""
    assert round(exact_jaccard(MinHasher(), text_a, text_b), 4) == word_jaccard(text_a, text_b)


def test_case_width_and_short_texts():
    assert word_jaccard("Die Straße ist lang und breit", "DIE STRASSE IST LANG UND BREIT") == 1.0
    assert word_jaccard("ｆｕｌｌ width text", "full width text") == 1.0  # one shingle each: equal
    assert word_jaccard("two words", "two other") == 0.0
    assert word_jaccard("", "") == word_jaccard("", "some words") == 0.0


def test_passage_matches_report_it():
    text = " ".join(f"word{i} stands here" for i in range(60))
    a = DocView("a", text, text)
    b = DocView("b", text.upper() + " and a tail of five more words", text.upper() + " and a tail of five more words")
    m = relate(a, b)
    assert m is not None and m.jaccard == word_jaccard(a.masked, b.masked)
