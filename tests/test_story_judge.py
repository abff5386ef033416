"""``compare(..., judge_story=False)``: the pipeline's shortcut for a pair that already holds a
relation outranking ``same_story`` (issue 15, the story stage's speed).

On the project's rewrite corpus (tests/data/rewrite), with the corpus's rarity table so the fitted
same-story model decides: the shortcut keeps every ``rewrite`` verdict, gives None where the full
comparison says ``same_story`` (the verdict the pipeline would discard), and never asks the story
model's encoder for a document vector.
"""

from __future__ import annotations

import numpy as np
import pytest

from copydesk.semantic import RewriteConfig, StoryConfig, compare, rewrite_candidates, story_keys, story_rarity
from test_semantic_corpus import load_corpus


class RefusingEncoder:
    """A story encoder that fails if it is asked to encode anything."""

    name = "minilm"
    dim = 384

    def encode(self, sentences):
        raise AssertionError(f"encoded {len(sentences)} texts for a story verdict that is discarded")


@pytest.fixture(scope="module")
def compared():
    views, _ = load_corpus()
    config, story = RewriteConfig(), StoryConfig()
    keys = [story_keys(v, config) for v in views]
    doc = np.concatenate([np.full(len(k), d, dtype=np.int64) for d, k in enumerate(keys)])
    pairs = rewrite_candidates(np.concatenate(keys), doc, len(views), config)
    rarity = story_rarity(np.concatenate(keys), doc, config)
    rows = []
    for i, j in pairs.tolist():
        full = compare(views[i], views[j], [], config, story, rarity=rarity)
        short = compare(views[i], views[j], [], config, story, rarity=rarity, story_encoder=RefusingEncoder(),
                        judge_story=False)
        rows.append((full, short))
    return rows


def test_the_corpus_has_both_verdicts(compared):
    kinds = [full.kind for full, _ in compared if full is not None]
    assert "rewrite" in kinds and "same_story" in kinds


def test_rewrites_are_kept_and_story_verdicts_skipped(compared):
    for full, short in compared:
        if full is not None and full.kind == "rewrite":
            assert short == full
        else:
            assert short is None
