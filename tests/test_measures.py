"""One Jaccard for every match: the near-duplicate stage, the passage stage and the semantic layers agree."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from copydesk.measures import containment, covered_chars, levenshtein, merge_spans, word_jaccard
from copydesk.passages import relate
from copydesk.pipeline import exact_jaccard
from copydesk.sketch import MinHasher
from copydesk.types import DocView, Span

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


# --- containment and the span union (one definition for every stage's Match.containment_*) ---

def _containment_reference(view: DocView, spans: list[tuple[int, int]]) -> float:
    """The character-mask definition the passage stage used before measures.containment: slow, obvious."""
    import numpy as np

    codes = np.frombuffer(view.masked.encode("utf-32-le"), dtype=np.uint32)
    is_article = (codes != 32) & (codes != 10)
    covered = np.zeros(len(view.masked), dtype=bool)
    for s, e in spans:
        covered[s:e] = True
    if view.segments:
        scope = covered.copy()
        for seg in view.segments:
            if covered[seg.start : seg.end].any():
                scope[seg.start : seg.end] = True
    else:
        scope = np.ones(len(view.masked), dtype=bool)
    total = np.count_nonzero(is_article & scope)
    return float(np.count_nonzero(is_article & covered) / total) if total else 0.0


MASKED = st.text(alphabet="ab \n", max_size=60)
SPAN = st.tuples(st.integers(0, 70), st.integers(0, 70))


@st.composite
def views_and_spans(draw):
    masked = draw(MASKED)
    cuts = sorted(draw(st.lists(st.integers(0, len(masked)), max_size=6)))
    segments = tuple(Span(s, e, "article") for s, e in zip(cuts[::2], cuts[1::2]) if s < e)
    return DocView("d", masked, masked, segments), draw(st.lists(SPAN, max_size=6))


@given(views_and_spans())
def test_containment_agrees_with_the_character_mask_reference(case):
    view, spans = case
    assert containment(view, spans) == _containment_reference(view, spans)
    assert 0.0 <= containment(view, spans) <= 1.0


@given(st.lists(SPAN, max_size=8))
def test_merge_spans_is_the_union(spans):
    merged = merge_spans(spans)
    assert all(s1 < s2 and e1 < s2 for (s1, e1), (s2, _) in zip(merged, merged[1:]))  # sorted, disjoint, apart
    inside = {k for s, e in spans for k in range(s, e)}
    assert inside == {k for s, e in merged for k in range(s, e)}


def test_containment_counts_only_the_segments_the_spans_touch():
    text = "aaaa bbbb\ncccc dddd"
    view = DocView("d", text, text, (Span(0, 9, "article"), Span(10, 19, "article")))
    assert containment(view, [(0, 4)]) == 0.5  # 4 of segment one's 8 article characters
    assert containment(DocView("d", text, text), [(0, 4)]) == 0.25  # one article: all 16
    assert containment(view, [(0, 4), (2, 9)]) == 1.0  # overlaps counted once
    assert covered_chars(text, [(0, 4), (2, 9), (3, 6)]) == 8
    assert containment(view, []) == 0.0


# --- one edit distance (the aligner's typo test on letters, the paraphrase features on words) ---

def _levenshtein_reference(x, y) -> int:
    if not x or not y:
        return len(x) + len(y)
    return min(_levenshtein_reference(x[1:], y) + 1, _levenshtein_reference(x, y[1:]) + 1,
               _levenshtein_reference(x[1:], y[1:]) + (x[0] != y[0]))


@given(st.text("abc", max_size=6), st.text("abc", max_size=6), st.integers(0, 4))
def test_levenshtein_agrees_with_the_recursive_definition(x, y, limit):
    d = _levenshtein_reference(x, y)
    assert levenshtein(x, y) == d == levenshtein(y, x)
    assert levenshtein(x, y, limit) == min(d, limit + 1)  # a limit only caps the answer


def test_levenshtein_of_words():
    assert levenshtein("the cat sat".split(), "the cat has sat".split()) == 1
    assert levenshtein(["a"], []) == 1 and levenshtein([], []) == 0
