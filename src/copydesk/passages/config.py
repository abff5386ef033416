"""Settings of the passage stage, validated on construction."""

from __future__ import annotations

from dataclasses import dataclass

from copydesk.errors import ConfigError

__all__ = ["PassageConfig"]


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ConfigError(message)


@dataclass(frozen=True)
class PassageConfig:
    """Passage-level reuse: rare-shingle candidates, seed-and-extend alignment, classification.

    Every default below was checked on the reuse corpus (``tests/data/reuse``, gate in
    ``tests/test_passages_gate.py``) and, for the candidate settings, on the 100,000-document
    benchmark (``benchmarks/passages.py``): re-run both after changing one.

    Attributes:
        key_words: Words per candidate key (word shingle hashed for the postings). 5 words are
            rare enough that unrelated news texts share almost none (the same choice as the
            near-duplicate stage) and short enough that a changed word every 20 words leaves
            three keys in four intact.
        key_sample_one_in: Keep a key when its hash is 0 modulo this (1 keeps every key). The
            choice depends on the shingle only, so two copies keep the same keys. 2 halves the
            postings; a 200-character passage (about 30 shingles) still keeps 3 or more keys
            with probability above 0.999 (binomial, p = 1/2).
        min_df: Keys found in fewer documents than this are dropped (2: a key on one document
            relates nothing).
        max_df: Absolute cap on a key's document frequency: keys on more documents are dropped.
            It bounds the work per key (``max_df**2 / 2`` pairs) so a frequent key can never
            make candidate generation quadratic, and it removes site furniture ("share this
            article", a comment form's notice) that appears on hundreds of pages. 100 is
            passim's default; text syndicated to more pages than that is left to the exact and
            near-duplicate stages, which do not need postings.
        max_df_share: Relative cap: keys on more than this share of the corpus are dropped too
            (effective cap ``min(max_df, max(max_df_floor, max_df_share * n_docs))``). In a
            corpus of a few hundred pages an absolute cap of 100 would let a newsletter line
            printed on a third of them relate every pair; 0.05 drops it while a story copied on
            5% of the corpus keeps its keys.
        max_df_floor: The relative cap never goes below this many documents, so in a small
            corpus (a folder of 30 files) a story copied onto 10 pages is still found.
        min_shared_keys: A pair becomes a candidate when it shares at least this many kept
            keys. 3 keeps 200-character passages (above) while one shared phrase or a short
            quotation does not make a pair.
        max_candidates_per_doc: A pair is a candidate only if it ranks among the best this many
            pairs (most shared keys, ties by id) of one of its documents; 0 keeps every pair.
            Stock phrases ("said in a statement on") are keys whose document frequency grows
            with the corpus until the cap drops them, and in between they pair each document
            with more and more others: on benchmarks/fullrun.py's news corpus, pairs per
            document went from 2.1 at 1,000 articles to 6.2 at 3,000 (quadratic work). A
            shared passage gives many keys and ranks first; a text reprinted on more pages
            than this is still joined through its copies' own pairs (and by the exact and
            near-duplicate stages). 20, as for rewrite candidates. Not applied by the Spark
            engine yet.
        seed_words: Words per alignment seed. 4 survives a changed word every 6-8 words (OCR
            noise) and is still rare enough that unrelated texts share few seeds, whose short
            chains then fall under ``min_passage_chars``.
        max_gap_words: Two seed runs merge into one passage when the gap between them is at
            most this many words in each text: a changed word, a typo, an inserted or deleted
            short phrase. 8 bridges a rewritten clause without joining two paragraphs separated
            by unrelated text.
        max_seed_pairs: A seed shingle occurring ``m`` times in one text and ``n`` times in the
            other yields all ``m * n`` seed pairs only up to this number; beyond it, its k-th
            occurrence in one text pairs with its k-th in the other. That bounds alignment work
            on repetitive pages (a phrase repeated in every comment) and still aligns a
            repeated refrain in order.
        min_passage_chars: Aligned passages shorter than this (in either text, characters) are
            dropped: about two sentences. One sentence (a quotation, a stock phrase, a share
            line) is not evidence of copying.
        min_extra_passage_chars: Once a pair holds a passage of ``min_passage_chars``, shorter
            passages down to this length count too: an excerpt that prints the first paragraphs
            and then the closing quotation (one sentence, 60-200 characters) is wholly inside
            its original. 60 characters is about ten words, longer than the stock phrases two
            copies share by chance ("the prime minister said on Tuesday"). Above
            ``min_passage_chars`` it changes nothing.
        min_passage_score: Passages whose matched share of words (both texts together) is
            below this are dropped. Copies with light edits score above 0.9 and the OCR-noised
            copies of the reuse corpus (1.5% of letters wrong) above 0.84, while chains of stock
            phrases between unrelated reports ("on Tuesday", "according to the") score about
            0.55-0.75: 0.7 keeps the first and most of the second away.
        min_near_duplicate_containment: Both documents covered at least this share by the
            passages: ``near_duplicate`` (if ``min_near_duplicate_score`` holds too). 0.9 leaves
            room for a changed headline, byline or closing line.
        min_near_duplicate_score: A pair covered that much is a ``near_duplicate`` only if this
            share of the aligned words (both texts) agree up to a typo: an OCR misreading, a
            transposed or split word counts as agreeing, a synonym or a dropped word does not.
            Below it the pair is a reworded copy, left to the rewrite stage with its verbatim
            pieces. Measured (``relate`` on the pairs covered 0.9 or more): near-duplicates of
            the reuse corpus (a changed word per paragraph, typos, OCR noise) 0.968 or more, of
            the real-article gate corpus 0.954 or more; OCR-noised copies of
            benchmarks/realtext.py 0.950 or more; its word-level rewrites (Jaccard about 0.4)
            median 0.92, 62 of 71 under 0.94 (most of those above are non-English bodies the
            synonym table misses, with 6% of words dropped). Re-run tests/test_passages_gate.py,
            tests/test_passages_real.py and benchmarks/realtext.py after changing it.
        min_excerpt_containment: One document covered at least this share (and the pair is not
            a near-duplicate): ``excerpt``, the more covered document being the excerpt. 0.8
            tolerates an added introduction or signature around a copied text.
        min_cluster_containment: An excerpt joins a copy cluster only when the container's
            containment is *above* this share (see :func:`joins_copy_cluster`). 0.5: two
            excerpts that each cover more than half of one container must overlap in it, so a
            container never links two documents that share no text.
    """

    key_words: int = 5
    key_sample_one_in: int = 2
    min_df: int = 2
    max_df: int = 100
    max_df_share: float = 0.05
    max_df_floor: int = 10
    min_shared_keys: int = 3
    seed_words: int = 4
    max_gap_words: int = 8
    max_seed_pairs: int = 64
    min_passage_chars: int = 200
    min_extra_passage_chars: int = 60
    min_passage_score: float = 0.7
    min_near_duplicate_containment: float = 0.9
    min_near_duplicate_score: float = 0.94
    min_excerpt_containment: float = 0.8
    min_cluster_containment: float = 0.5
    max_candidates_per_doc: int = 20

    def __post_init__(self) -> None:
        at_least_one = ("key_sample_one_in", "min_shared_keys", "max_seed_pairs", "min_passage_chars",
                        "min_extra_passage_chars")
        for name in at_least_one:
            value = getattr(self, name)
            _check(value >= 1, f"passages.{name} must be 1 or more, not {value}")
        shares = ("min_passage_score", "min_near_duplicate_containment", "min_near_duplicate_score",
                  "min_excerpt_containment", "min_cluster_containment", "max_df_share")
        for name in shares:
            value = getattr(self, name)
            _check(0.0 < value <= 1.0, f"passages.{name} must be in (0, 1], not {value}")
        _check(self.max_candidates_per_doc >= 0,
               f"passages.max_candidates_per_doc must be 0 (no cap) or more, not {self.max_candidates_per_doc}")
        _check(1 <= self.key_words <= 16, f"passages.key_words must be from 1 to 16, not {self.key_words}")
        _check(self.min_df >= 2,
               f"passages.min_df must be at least 2 (one document relates nothing), not {self.min_df}")
        _check(self.max_df >= self.min_df,
               f"passages.max_df ({self.max_df}) must be at least min_df ({self.min_df})")
        _check(self.max_df_floor >= self.min_df,
               f"passages.max_df_floor ({self.max_df_floor}) must be at least min_df ({self.min_df})")
        _check(2 <= self.seed_words <= 12, f"passages.seed_words must be from 2 to 12, not {self.seed_words}")
        _check(0 <= self.max_gap_words <= 100,
               f"passages.max_gap_words must be from 0 to 100, not {self.max_gap_words}")
        _check(self.min_excerpt_containment <= self.min_near_duplicate_containment,
               f"passages.min_excerpt_containment ({self.min_excerpt_containment}) must not exceed "
               f"min_near_duplicate_containment ({self.min_near_duplicate_containment})")

    def max_df_for(self, n_docs: int) -> int:
        """Effective document-frequency cap for a corpus of ``n_docs`` documents.

        Example:
            >>> [PassageConfig().max_df_for(n) for n in (100_000, 400, 30)]
            [100, 20, 10]
        """
        return min(self.max_df, max(self.max_df_floor, int(self.max_df_share * n_docs)))
