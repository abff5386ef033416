"""Passage-level reuse: candidates, alignment, relation kinds, copy-cluster rule, explain."""

from __future__ import annotations

import random
import re
from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.cluster import copy_edges
from copydesk.config import Config, ConfigError
from copydesk.measures import word_jaccard
from copydesk.passages import (
    PassageConfig,
    align,
    containment,
    explain_passage,
    frequent_keys,
    passage_candidates,
    passage_keys,
    passage_keys_many,
    relate,
    word_tokens,
)
from copydesk.passages import candidates as candidates_module
from copydesk.passages.candidates import key_hashes
from copydesk.text import tokenize
from copydesk.types import DocView, Match, Passage, Span

VOCAB = (
    "council mayor river bridge harbour school budget tram station police court witness "
    "minister report committee village island ferry museum festival storm election voters "
    "hospital nurse doctor teacher pupil farmer fisherman engineer factory union strike "
    "crowns million percent year month week morning evening night summer winter spring "
    "said told announced confirmed denied rejected approved opened closed built moved "
    "new old large small local regional national public private early late final first "
    "north south east west coastal central upper lower green red quiet busy long short"
).split()
FUNCTION = "the a of in on at to for with and but after before".split()


def article(rng: random.Random, n_words: int) -> str:
    """Pseudo-news text: sentences of random content and function words."""
    words, out = 0, []
    while words < n_words:
        n = rng.randint(8, 18)
        sentence = [rng.choice(VOCAB if rng.random() < 0.7 else FUNCTION) for _ in range(n)]
        out.append(" ".join(sentence).capitalize() + ".")
        words += n
    return " ".join(out)


def view(doc_id: str, text: str, segments: tuple[Span, ...] = ()) -> DocView:
    return DocView(doc_id, text, text, segments)


def covered(spans: list[tuple[int, int]], lo: int, hi: int) -> int:
    """Characters of [lo, hi) inside the union of spans."""
    mask = np.zeros(hi, dtype=bool)
    for s, e in spans:
        mask[s:e] = True
    return int(mask[lo:hi].sum())


# --- configuration ---------------------------------------------------------------------


def test_defaults_validate_and_load_from_config():
    assert Config.from_mapping({"passages": {"min_passage_chars": 300}}).passages.min_passage_chars == 300
    with pytest.raises(ConfigError, match="min_df"):
        Config.from_mapping({"passages": {"min_df": 1}})
    with pytest.raises(ValueError, match="min_excerpt_containment"):
        PassageConfig(min_excerpt_containment=0.95, min_near_duplicate_containment=0.9)
    with pytest.raises(ValueError, match="max_df_share"):
        PassageConfig(max_df_share=0.0)


def test_max_df_scales_with_corpus_but_stays_within_floor_and_cap():
    cfg = PassageConfig()
    assert cfg.max_df_for(10) == cfg.max_df_floor
    assert cfg.max_df_for(1000) == 50
    assert cfg.max_df_for(10_000_000) == cfg.max_df


# --- tokens ------------------------------------------------------------------------------


@settings(deadline=None)  # timing varies on a shared machine; no timing asserts
@given(st.text(alphabet=st.sampled_from(list("ab Ça’“”-_1.\n")) | st.characters(), max_size=80))
def test_word_tokens_agree_with_tokenize(text):
    words, starts, ends = word_tokens(text)
    tokens = tokenize(text)
    assert words == [t.norm for t in tokens]
    assert starts.tolist() == [t.start for t in tokens]
    assert ends.tolist() == [t.end for t in tokens]


WORD_LISTS = st.lists(st.sampled_from(VOCAB[:12]), max_size=30)


@settings(deadline=None)  # timing varies on a shared machine; no timing asserts
@given(WORD_LISTS, WORD_LISTS)
def test_word_jaccard_equals_set_reference(words_a, words_b):
    def shingles(words):
        if not words:
            return set()
        if len(words) < 5:
            return {tuple(words)}
        return {tuple(words[i : i + 5]) for i in range(len(words) - 4)}

    sa, sb = shingles(words_a), shingles(words_b)
    expected = len(sa & sb) / len(sa | sb) if sa | sb else 0.0
    assert word_jaccard(" ".join(words_a), " ".join(words_b)) == round(expected, 4)


# --- candidates ---------------------------------------------------------------------------


def reference_candidates(keys, doc, n_docs, cfg):
    """Obviously correct: postings as sets, every pair counted in a dict."""
    postings: dict[int, set[int]] = {}
    for k, d in zip(keys.tolist(), doc.tolist()):
        postings.setdefault(k, set()).add(d)
    shared: dict[tuple[int, int], int] = {}
    for docs in postings.values():
        if cfg.min_df <= len(docs) <= cfg.max_df_for(n_docs):
            for pair in combinations(sorted(docs), 2):
                shared[pair] = shared.get(pair, 0) + 1
    return sorted(p for p, n in shared.items() if n >= cfg.min_shared_keys)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 29)), max_size=400), st.integers(1, 4),
       st.integers(2, 12))
def test_candidates_equal_reference(entries, min_shared, max_df):
    cfg = PassageConfig(min_shared_keys=min_shared, max_df=max_df, max_df_floor=2)
    keys = np.array([k for k, _ in entries], dtype=np.uint64)
    doc = np.array([d for _, d in entries], dtype=np.int64)
    got = passage_candidates(keys, doc, 30, cfg)
    assert got.shape[1] == 2
    assert [tuple(p) for p in got.tolist()] == reference_candidates(keys, doc, 30, cfg)


def test_candidates_in_small_batches_equal_one_batch(monkeypatch):
    rng = np.random.default_rng(5)
    keys = rng.integers(0, 300, size=5000).astype(np.uint64)
    doc = np.sort(rng.integers(0, 400, size=5000))
    whole = passage_candidates(keys, doc, 400)
    monkeypatch.setattr(candidates_module, "_PAIRS_PER_BATCH", 7)
    assert np.array_equal(passage_candidates(keys, doc, 400), whole)
    assert len(whole) > 0


def test_frequent_key_relates_nothing_and_costs_nothing():
    # One key on all 100,000 documents (a share line): dropped before any pair is formed.
    n = 100_000
    keys = np.full(n, 42, dtype=np.uint64)
    doc = np.arange(n)
    assert passage_candidates(keys, doc, n).shape == (0, 2)
    assert frequent_keys(keys, doc, n).tolist() == [42]


def test_candidate_keys_find_an_excerpt_inside_a_long_page():
    rng = random.Random(1)
    story = article(rng, 70)  # about 450 characters
    page = article(rng, 300) + " " + story + " " + article(rng, 1200)
    others = [article(rng, 400) for _ in range(20)]
    views = [view("story", story), view("page", page)] + [view(f"o{i}", t) for i, t in enumerate(others)]
    keys = [passage_keys(v) for v in views]
    doc = np.repeat(np.arange(len(views)), [len(k) for k in keys])
    pairs = passage_candidates(np.concatenate(keys), doc, len(views))
    assert [0, 1] in pairs.tolist()
    assert len(pairs) <= 3  # random pages sharing three mid-frequency keys by chance: rare


@settings(deadline=None)  # timing varies on a shared machine; no timing asserts
@given(st.text(alphabet=st.sampled_from(list("ab cd’“”—-_1.\nÉé")), max_size=120))
def test_passage_keys_hash_shingles_as_relate_does(text):
    # frequent_cover (in relate) finds the keys of passage_keys at word positions: same hashes.
    cfg = PassageConfig(key_sample_one_in=1, key_words=3)
    assert passage_keys(view("d", text), cfg).tolist() == np.unique(key_hashes([text], cfg)[0]).tolist()


def test_passage_keys_of_a_batch_equal_one_by_one(monkeypatch):
    rng = random.Random(2)
    views = [view(str(i), article(rng, rng.randint(0, 300)) if i % 7 else "") for i in range(60)]
    one_by_one = [passage_keys(v) for v in views]
    monkeypatch.setattr(candidates_module, "_KEY_CHUNK_CHARS", 5000)  # several chunks
    batch = passage_keys_many(views)
    assert len(batch) == len(views)
    assert all(np.array_equal(x, y) for x, y in zip(batch, one_by_one))


def test_passage_keys_read_masked_text_and_are_stable():
    text = "The council approved the new tram line after a long debate on Tuesday evening."
    keys = passage_keys(view("d", text), PassageConfig(key_sample_one_in=1))
    assert keys.dtype == np.uint64 and len(keys) == len(set(keys.tolist())) > 0
    assert np.array_equal(keys, passage_keys(view("e", text.upper()), PassageConfig(key_sample_one_in=1)))
    sampled = passage_keys(view("d", text))
    assert set(sampled.tolist()) <= set(keys.tolist())
    assert len(passage_keys(DocView("d", text, " " * len(text)))) == 0


# --- alignment ---------------------------------------------------------------------------

SMALL = PassageConfig(min_passage_chars=40)


@st.composite
def news_text(draw, min_words=30, max_words=160):
    n = draw(st.integers(min_words, max_words))
    words = draw(st.lists(st.sampled_from(VOCAB + FUNCTION), min_size=n, max_size=n))
    separators = st.sampled_from([" ", " ", " ", ", ", ". ", "\n", " “", "” "])
    seps = draw(st.lists(separators, min_size=n, max_size=n))
    return "".join(w + s for w, s in zip(words, seps)).strip()


@settings(max_examples=80, deadline=None)
@given(news_text())
def test_self_alignment_is_one_passage_covering_the_text(text):
    words, starts, ends = word_tokens(text)
    first, last = int(starts[0]), int(ends[-1])
    passages = align(text, text, SMALL)
    assert len(passages) == 1
    p = passages[0]
    assert p.a == p.b
    assert p.a[0] <= first and p.a[1] >= last
    assert 0 <= p.a[0] and p.a[1] <= len(text)
    assert text[p.a[0] : first].strip("“\"'([ ") == "" and text[last : p.a[1]].strip(".,”\"' ") == ""
    assert p.score == 1.0


@st.composite
def reuse_pair(draw):
    """Two texts sharing a passage (with a few edits), each with its own surroundings."""
    shared = draw(news_text(40, 120)).split(" ")
    edited = list(shared)
    for _ in range(draw(st.integers(0, 4))):
        i = draw(st.integers(0, len(edited) - 1))
        edited[i] = draw(st.sampled_from(["changed", "typo", "", "two words"]))
    return (draw(news_text(0, 60)) + " " + " ".join(shared) + " " + draw(news_text(0, 60)),
            draw(news_text(0, 80)) + "\n" + " ".join(edited) + " " + draw(news_text(0, 40)))


@settings(max_examples=80, deadline=None)
@given(reuse_pair())
def test_align_mirrors_and_spans_lie_inside_both_texts(pair):
    a, b = pair
    forward, backward = align(a, b, SMALL), align(b, a, SMALL)
    assert forward == sorted((p.swapped() for p in backward), key=lambda p: (p.a, p.b))
    for p in forward:
        assert 0 <= p.a[0] < p.a[1] <= len(a) and 0 <= p.b[0] < p.b[1] <= len(b)
        assert min(p.a[1] - p.a[0], p.b[1] - p.b[0]) >= SMALL.min_passage_chars
        assert 0.0 < p.score <= 1.0


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300), st.text(max_size=300), st.integers(0, 200))
def test_align_any_unicode_spans_inside_and_mirrored(a, b, cut):
    b = b + a[cut:]  # some shared text, often none
    cfg = PassageConfig(min_passage_chars=5, min_passage_score=0.1, seed_words=2)
    forward = align(a, b, cfg)
    assert forward == sorted((p.swapped() for p in align(b, a, cfg)), key=lambda p: (p.a, p.b))
    for p in forward:
        assert 0 <= p.a[0] < p.a[1] <= len(a) and 0 <= p.b[0] < p.b[1] <= len(b)


def test_small_edits_do_not_fragment_a_passage():
    rng = random.Random(7)
    story = article(rng, 150)
    words = story.split(" ")
    for i in range(10, len(words), 17):  # a changed word every 17 words
        words[i] = "CHANGED"
    words[40] = words[40][::-1]  # a typo
    edited = " ".join(words).replace(".", ".”", 3)
    a = article(rng, 100) + "\n\n" + story + "\n\n" + article(rng, 100)
    b = "Reader comments below.\n" + edited + "\nComments: " + article(rng, 200)
    passages = align(a, b)
    assert len(passages) == 1
    p = passages[0]
    start = a.index(story)
    assert p.a[0] == start and p.a[1] >= start + len(story) - 1
    assert p.b[0] == b.index(edited[:20])
    assert 0.85 < p.score < 1.0


def test_unrelated_texts_and_short_quotes_give_no_passage():
    rng = random.Random(3)
    quote = "“We will not give up on the harbour,” the mayor said on Tuesday."
    a = article(rng, 400) + " " + quote + " " + article(rng, 100)
    b = article(rng, 300) + " " + quote + " " + article(rng, 100)
    assert align(a, b) == []
    assert align(a, b, PassageConfig(min_passage_chars=40)) != []


def test_a_paragraph_printed_twice_gives_two_passages():
    rng = random.Random(4)
    para = article(rng, 60)
    a = para + "\n\n" + article(rng, 80) + "\n\n" + para
    b = article(rng, 50) + "\n\n" + para
    passages = align(a, b)
    assert len(passages) == 2
    assert {p.b for p in passages} == {(b.index(para), len(b))}
    assert [p.a[0] for p in passages] == [0, a.rindex(para)]


def test_blocked_characters_never_match():
    rng = random.Random(9)
    footer = article(rng, 80)
    a, b = article(rng, 200) + "\n" + footer, article(rng, 150) + "\n" + footer
    assert len(align(a, b)) == 1
    blocked_a = np.zeros(len(a), bool)
    blocked_a[a.index(footer):] = True
    assert align(a, b, blocked_a=blocked_a) == []


# --- relation kinds ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def stories():
    rng = random.Random(11)
    return [article(rng, 120) for _ in range(6)], rng


def test_relate_near_duplicate(stories):
    texts, _ = stories
    story = "\n\n".join(texts[:3])
    m = relate(view("b", story), view("a", "Updated:\n" + story.replace("council", "Council")))
    assert m.kind == "near_duplicate" and (m.a, m.b) == ("a", "b")
    assert m.containment_a > 0.99 and m.containment_b > 0.99 and m.jaccard > 0.95
    assert m.method == "passages_v2" and len(m.passages) == 1


def test_relate_excerpt_says_which_contains_which(stories):
    texts, _ = stories
    full = "\n\n".join(texts[:5])
    excerpt = texts[2]
    m = relate(view("z-full", full), view("a-excerpt", excerpt))
    assert m.kind == "excerpt"
    assert (m.a, m.b) == ("a-excerpt", "z-full")
    assert m.containment_a > 0.95 and m.containment_b < 0.3
    assert m.method == "passages_v2:a_in_b"
    assert m.passages[0].b == (full.index(excerpt), full.index(excerpt) + len(excerpt))
    # The same pair the other way round.
    m2 = relate(view("a-full", full), view("z-excerpt", excerpt))
    assert m2.method == "passages_v2:b_in_a" and m2.containment_b > 0.95


def test_excerpt_of_first_paragraphs_and_closing_quote_is_wholly_inside(stories):
    texts, rng = stories
    opening, closing = texts[0], "“We will rebuild every house on this street,” the mayor told reporters."
    full = "\n\n".join([opening, texts[1], texts[2], closing, texts[3]])
    excerpt = opening + "\n\n" + closing
    m = relate(view("full", full), view("excerpt", excerpt))
    assert (m.kind, m.a, m.method) == ("excerpt", "excerpt", "passages_v2:a_in_b")
    assert m.containment_a > 0.99
    assert [p.a for p in m.passages][-1] == (excerpt.index(closing), len(excerpt))
    # The quotation alone is no evidence: printed in an unrelated report it relates nothing.
    other = article(rng, 150) + "\n\n" + closing
    assert relate(view("full", full), view("other", other)) is None
    assert align(full, other, PassageConfig(min_passage_chars=60)) != []


def test_relate_shared_passages_and_nothing(stories):
    texts, _ = stories
    a = "\n\n".join([texts[0], texts[1], texts[2]])
    b = "\n\n".join([texts[3], texts[1], texts[4]])
    m = relate(view("a", a), view("b", b))
    assert m.kind == "shared_passages"
    assert 0.2 < m.containment_a < 0.5 and 0.2 < m.containment_b < 0.5
    assert relate(view("a", texts[0]), view("b", texts[5])) is None


def test_segments_make_a_glued_page_a_copy_of_the_story_it_copies(stories):
    texts, _ = stories
    story, other = texts[0] + "\n\n" + texts[1], texts[4] + "\n\n" + texts[5]
    page = story + "\n\n" + other
    segments = (Span(0, len(story), "article"), Span(len(story) + 2, len(page), "article"))
    without = relate(view("page", page), view("story", story))
    assert without.kind == "excerpt" and without.method.endswith("b_in_a")
    with_segments = relate(view("page", page, segments), view("story", story))
    assert with_segments.kind == "near_duplicate"
    assert with_segments.containment_a > 0.99
    assert with_segments.method == "passages_v2:a_part"  # a copy of part of the page
    whole = relate(view("page", page, segments), view("zpage", page, segments))
    assert whole.method == "passages_v2"  # both whole pages: no part


def test_containment_counts_article_characters_only():
    v = DocView("d", "aaaa bbbb\ncccc", "aaaa      \ncccc")
    assert containment(v, [(0, 4)]) == pytest.approx(0.5)
    assert containment(v, []) == 0.0


def test_frequent_keys_block_boilerplate_between_candidate_pairs(stories):
    texts, rng = stories
    footer = ("Sign up for our free morning newsletter and get the most important stories of the day "
              "delivered to your inbox. Your email address will not be published. "
              "Required fields are marked. "
              "Comments are moderated and may take a day to appear.")
    pages = [article(rng, 150) + "\n" + footer for _ in range(40)]
    views = [view(f"p{i:02d}", t) for i, t in enumerate(pages)]
    keys = [passage_keys(v) for v in views]
    doc = np.repeat(np.arange(len(views)), [len(k) for k in keys])
    all_keys = np.concatenate(keys)
    assert passage_candidates(all_keys, doc, len(views)).shape == (0, 2)
    frequent = frequent_keys(all_keys, doc, len(views))
    assert relate(views[0], views[1]) is not None  # without the cleaner's mask or the keys...
    assert relate(views[0], views[1], frequent=frequent) is None  # ...and with the frequent keys


# --- copy clusters ------------------------------------------------------------------------


def test_copy_cluster_rule():
    def match(kind, c_a, c_b, a="a", b="b"):
        return Match(a, b, kind, 0.9, 0.1, c_a, c_b)

    assert copy_edges([match("exact", 1.0, 1.0)]) == [("a", "b")]
    assert copy_edges([match("near_duplicate", 0.95, 0.93)]) == [("a", "b")]
    assert copy_edges([match("rewrite", 0.0, 0.0)]) == [("a", "b")]
    assert copy_edges([match("shared_passages", 0.45, 0.45)]) == []
    assert copy_edges([match("same_story", 0.0, 0.0)]) == []
    # An excerpt, small or large, attaches to one container: its best match.
    assert copy_edges([match("excerpt", 0.98, 0.3, "e", "x"), match("excerpt", 0.97, 0.2, "e", "y")]) == [("e", "x")]


def test_two_documents_sharing_different_paragraphs_with_a_third_are_not_joined(stories):
    texts, _ = stories
    third = "\n\n".join(texts[:4])
    one = texts[0] + "\n\n" + texts[4]
    two = texts[3] + "\n\n" + texts[5]
    matches = [relate(view(x, tx), view(y, ty)) for (x, tx), (y, ty) in
               combinations([("one", one), ("two", two), ("third", third)], 2)]
    assert [m.kind if m else None for m in matches] == [None, "shared_passages", "shared_passages"]
    assert copy_edges([m for m in matches if m]) == []
    # Two excerpts of different parts of a long text are both copies of it (one copy cluster of
    # that text), but neither is a container: nothing else joins through them.
    e1 = relate(view("e1", texts[0]), view("third", third))
    e2 = relate(view("e2", texts[3]), view("third", third))
    assert e1.kind == e2.kind == "excerpt"
    assert copy_edges([e1, e2]) == [("e1", "third"), ("e2", "third")]


# --- near-duplicate or reworded copy -----------------------------------------------------

# OCR confusions as in tests/data/reuse/make_corpus.py (a letter read as another, "m" as "rn").
OCR = {"e": "c", "l": "1", "o": "0", "i": "l", "m": "rn", "n": "u", "a": "o", "s": "5", "h": "b", "t": "f"}


def reworded(rng: random.Random, text: str, every: int) -> str:
    """A word-level rewrite: about one content word in ``every`` swapped for another word."""
    words = text.split(" ")
    for i in range(rng.randrange(every), len(words), every):
        core = words[i].rstrip(".").lower()
        if core in VOCAB:
            swap = VOCAB[(VOCAB.index(core) + 1 + rng.randrange(len(VOCAB) - 1)) % len(VOCAB)]
            words[i] = words[i].lower().replace(core, swap)
    return " ".join(words)


def ocr_noised(rng: random.Random, text: str, rate: float = 0.015) -> str:
    """Letters misread at ``rate``, two transposed letters, and a word split at a line break."""
    chars = [OCR.get(c, c) if c.isalpha() and rng.random() < rate else c for c in text]
    words = "".join(chars).split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    for i in long_words[3:5]:
        words[i] = words[i][0] + words[i][2] + words[i][1] + words[i][3:]
    w = words[long_words[8]]
    words[long_words[8]] = w[:3] + "-\n" + w[3:]
    return " ".join(words)


def test_word_level_rewrite_is_not_a_near_duplicate_but_a_noisy_copy_is(stories):
    texts, _ = stories
    story = "\n\n".join(texts[:3])
    rng = random.Random(5)
    rewrite, noisy = reworded(rng, story, 9), ocr_noised(rng, story)
    # The alignment bridges the swapped words: the rewrite covers both texts as fully as the
    # noisy copy does, which alone made it a near-duplicate.
    assert 0.3 < word_jaccard(story, rewrite) < 0.5
    before = relate(view("a", story), view("b", rewrite), PassageConfig(min_near_duplicate_score=0.01))
    assert before.kind == "near_duplicate" and min(before.containment_a, before.containment_b) > 0.95
    m = relate(view("a", story), view("b", rewrite))
    assert m is None or (m.kind == "shared_passages" and all(p.score == 1.0 for p in m.passages)), m
    # Letters misread, transposed and split: the same text, whatever the shingles say.
    assert word_jaccard(story, noisy) < 0.7
    m = relate(view("a", story), view("b", noisy))
    assert m.kind == "near_duplicate" and min(m.containment_a, m.containment_b) > 0.95


def test_agreement_counts_typos_as_the_same_word_and_synonyms_as_changed():
    from copydesk.passages.align import align_detailed
    from copydesk.passages.relate import agreement

    rng = random.Random(8)
    story = article(rng, 200)

    def score(other: str) -> float:
        ta, tb = word_tokens(story), word_tokens(other)
        return agreement(align_detailed(story, ta, other, tb), ta[0], tb[0])

    assert score(story) == 1.0
    assert score(ocr_noised(rng, story)) > 0.97
    assert score(reworded(rng, story, 6)) < 0.9


def test_a_reworded_copy_is_a_rewrite_with_its_verbatim_passage(stories, tmp_path):
    import json

    from copydesk.pipeline import find_reuse

    texts, _ = stories
    kept = texts[1]  # copied as it stands, between two reworded paragraphs
    rng = random.Random(2)
    original = "\n\n".join(texts[:3])
    copy = "\n\n".join([reworded(rng, texts[0], 6), kept, reworded(rng, texts[2], 6)])
    corpus = tmp_path / "in.jsonl"
    corpus.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in
                              [("copy", copy), ("original", original)] + [(f"other{k}", article(rng, 300))
                                                                         for k in range(4)]))
    find_reuse([corpus], tmp_path / "out", Config(processes=1))
    (m,) = [json.loads(line) for line in (tmp_path / "out" / "matches.jsonl").read_text().splitlines()]
    assert (m["a"], m["b"], m["kind"]) == ("copy", "original", "rewrite")
    # The verbatim passage holds the kept paragraph (and the unchanged words around it).
    (verbatim,) = [p for p in m["passages"] if p["kind"] == "verbatim"]
    start = copy.index(kept)
    assert verbatim["a"]["start"] <= start and verbatim["a"]["end"] >= start + len(kept)
    assert verbatim["a"]["end"] - verbatim["a"]["start"] < len(kept) + 200
    assert sum(p["kind"] == "rewrite" for p in m["passages"]) >= 3


# --- explain ------------------------------------------------------------------------------


def test_explain_pieces_tile_the_passage_and_mark_the_edits():
    a = "The mayor said on Tuesday that the new bridge would open in May, after years of delay."
    b = "The Mayor said on Wednesday that the new bridge will open in May after years of “delay”."
    (p,) = align(a, b, PassageConfig(min_passage_chars=20, min_passage_score=0.5))
    pieces = explain_passage(a, b, p)
    assert pieces[0].a[0] == p.a[0] and pieces[-1].a[1] == p.a[1]
    assert pieces[0].b[0] == p.b[0] and pieces[-1].b[1] == p.b[1]
    for x, y in zip(pieces, pieces[1:]):
        assert x.a[1] == y.a[0] and x.b[1] == y.b[0]
    changed = [(a[slice(*q.a)].strip(), b[slice(*q.b)].strip()) for q in pieces if q.op != "equal"]
    assert changed == [("Tuesday", "Wednesday"), ("would", "will")]
    assert all(re.fullmatch(r"[\w ,.“”]*", b[slice(*q.b)]) for q in pieces)
