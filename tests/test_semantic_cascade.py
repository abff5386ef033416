"""The rewrite stage's cascade (issue 14): the encoder sees only pairs the lexical layer cannot decide.

Differential: on every candidate pair of the project's rewrite corpus the cascade gives the same
match as the encoder path without it, with an encoder that is called far less often. The encoder
here is a deterministic stand-in (hashed bags of words; the scorer fitted for mpnet reads its
cosine), so the test needs no model extra; the real mpnet layer's floors on the same corpus are
tests/test_semantic_corpus.py's.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import copydesk.semantic.cascade as cascade
from copydesk.semantic import RewriteConfig, StoryConfig, compare, rewrite_candidates, story_keys
from copydesk.semantic.cascade import needs_encoder
from test_semantic_corpus import load_corpus


class BagOfWordsEncoder:
    """Unit vectors of hashed lower-cased words; counts the sentences it encodes."""

    name = "mpnet"
    dim = 256

    def __init__(self) -> None:
        self.encoded = 0

    def encode(self, sentences):
        self.encoded += len(sentences)
        out = np.zeros((len(sentences), self.dim), dtype=np.float32)
        for k, s in enumerate(sentences):
            for w in re.findall(r"\w+", s.lower()):
                out[k, int(hashlib.blake2b(w.encode(), digest_size=4).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)


@pytest.fixture(scope="module")
def candidate_pairs():
    views, gold = load_corpus()
    config = RewriteConfig()
    keys = [story_keys(v, config) for v in views]
    doc = np.concatenate([np.full(len(k), d, dtype=np.int64) for d, k in enumerate(keys)])
    pairs = rewrite_candidates(np.concatenate(keys), doc, len(views), config)
    return views, gold, pairs.tolist()


def test_cascade_gives_the_encoder_paths_matches_with_fewer_encodings(candidate_pairs, monkeypatch):
    views, gold, pairs = candidate_pairs
    config, story = RewriteConfig(model="mpnet"), StoryConfig()
    fast = BagOfWordsEncoder()
    with_cascade = [compare(views[i], views[j], [], config, story, fast) for i, j in pairs]
    monkeypatch.setattr(cascade, "needs_encoder", lambda *args: True)
    full = BagOfWordsEncoder()
    without = [compare(views[i], views[j], [], config, story, full) for i, j in pairs]
    assert with_cascade == without
    assert any(m is not None and m.kind == "rewrite" for m in with_cascade)
    # Every gold rewrite still reached the encoder; most other candidate pairs did not.
    assert fast.encoded < 0.7 * full.encoded, (fast.encoded, full.encoded)


def test_a_gold_rewrite_goes_to_the_encoder_and_an_unrelated_pair_does_not(candidate_pairs):
    views, gold, _ = candidate_pairs
    by_id = {v.id: v for v in views}
    config, story = RewriteConfig(model="mpnet"), StoryConfig()
    a, b = next(p for p, k in gold.items() if k == "rewrite")
    enc = BagOfWordsEncoder()
    m = compare(by_id[a], by_id[b], [], config, story, enc)
    assert m is not None and m.kind == "rewrite" and m.method == "rewrite_mpnet_v2"
    assert enc.encoded > 0
    x, y = next(p for p, k in gold.items() if k == "topic_only")
    enc = BagOfWordsEncoder()
    compare(by_id[x], by_id[y], [], config, story, enc)
    assert enc.encoded == 0


@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6), st.floats(0, 1)), max_size=30),
       st.floats(0, 1), st.integers(1, 4))
def test_needs_encoder_counts_distinct_sentences_on_both_sides(triples, floor, k):
    rows = np.array([t[0] for t in triples], dtype=np.int64)
    cols = np.array([t[1] for t in triples], dtype=np.int64)
    prob = np.array([t[2] for t in triples], dtype=np.float64)
    ok = [(r, c) for r, c, p in triples if p >= floor]
    expected = len({r for r, _ in ok}) >= k and len({c for _, c in ok}) >= k
    assert needs_encoder(rows, cols, prob, floor, k) == expected
