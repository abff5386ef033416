"""The page model: what each line of a scraped page is, read from the lines around it (issue 13).

A multinomial logistic regression over lines in context labels every line ``article``,
``furniture``, ``comment``, ``caption`` or ``title``; a Viterbi pass over the page with learnt
label transitions turns the per-line probabilities into runs (a comment thread is one run from
its first comment to the end of the page, a menu one run of short lines). A second, binary
logistic regression scores headline-shaped lines as the start of a second article.

Features (all from the plain text; :func:`line_features` lists them): the line's shape (words,
characters, case, digits, separators, closing punctuation, sentence and headline shape), its
person (first- and second-person words: reader comments say *I* and *you*, news reports rarely
do), its position, the cleaning rules' verdicts (furniture kinds, comment furniture, thread
headings, related-links headings, bylines, lines repeated in the page or learnt from the corpus:
the rules are features here), the same for the lines two above and two below, and the prose
around the line (article prose above and below it, distance to the nearest sentence, the
person of the block around it against the page's). The second-article score adds the change of
topic (word cosine of the prose above and below) and of person across the line.

The weights are package data (``data/page_model_v1.npz``), fitted by ``benchmarks/fit_pages.py``
on the *train* sites of ``benchmarks/pages.py`` (real pages rendered to plain text); the
held-out sites fit and tune nothing.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from copydesk.clean.lines import Line
from copydesk.clean.rules import is_byline, is_related_header, is_title

__all__ = ["LABELS", "PageModel", "boundary_features", "line_features", "load_model"]

LABELS = ("article", "furniture", "comment", "caption", "title")
DATA_DIR = Path(__file__).resolve().parent / "data"
MODEL_FILE = DATA_DIR / "page_model_v1.npz"

_FIRST = frozenset("i me my mine we us our ours i'm i've i'd i'll we're we've myself".split())
_SECOND = frozenset("you your yours you're you've yourself".split())
_TOKEN = re.compile(r"[\w']+")
_SEP = re.compile(r"[|»›>/•·]")
_URLISH = re.compile(r"https?://|www\.|@\w|\.com\b")
_UPPER = re.compile(r"[A-Z]")
_LETTER = re.compile(r"[A-Za-z]")
_DIGIT = re.compile(r"\d")
_CAP_WORD = re.compile(r"\b[A-Z]")
_STOP = frozenset(
    "the a an and or of to in on for with at by from as is was were are be been it its that this these those "
    "he she they his her their them i you we not but has have had will would said says after before about "
    "into over than then there which who what when where also more most new one two".split()
)

N_BASE = 24
_CTX = (-2, -1, 1, 2)


def _base(ln: Line, reason: str | None, sentence: bool, meta: bool, thread: bool, repeats: int) -> list[float]:
    text = ln.text
    words = ln.words
    n = len(text)
    letters = len(_LETTER.findall(text)) if n <= 300 else max(1, n * 4 // 5)
    upper = len(_UPPER.findall(text)) if n <= 300 else n // 30
    toks = _TOKEN.findall(text.lower()) if n <= 600 else text.lower().split()
    nt = max(1, len(toks))
    first = sum(1 for t in toks if t in _FIRST) / nt
    second = sum(1 for t in toks if t in _SECOND) / nt
    last = text[-1]
    return [
        math.log1p(words),
        math.log1p(n),
        float(sentence),
        float(is_title(text, words)),
        float(last == "."),
        float(last in "?!"),
        float(last == ":"),
        float(last.isalnum()),
        upper / max(1, letters),
        len(_DIGIT.findall(text)) / n if n <= 300 else 0.0,
        float(bool(_SEP.search(text))) if n <= 200 else 0.0,
        float(text[:1] in "-•*–·►▶»>|"),
        first,
        second,
        float(bool(_URLISH.search(text))) if n <= 300 else 0.0,
        float(meta),
        float(thread),
        float(words <= 12 and is_related_header(text)),
        float(words <= 14 and is_byline(text, words)),
        float(reason is not None and reason not in ("repeated_line", "source_line", "corpus_line")),
        float(reason == "repeated_line" or repeats > 1),
        float(reason in ("source_line", "corpus_line")),
        float(reason == "comments"),
        len(_CAP_WORD.findall(text)) / max(1, words) if n <= 300 else 0.1,
    ]


def line_features(
    lines: list[Line],
    reasons: list[str | None],
    sentence: list[bool],
    meta: list[bool],
    thread_head: list[bool],
    repeats: list[int],
) -> np.ndarray:
    """Feature matrix (one row per line) of a page, for :class:`PageModel`."""
    n = len(lines)
    base = np.array(
        [_base(lines[i], reasons[i], sentence[i], meta[i], thread_head[i], repeats[i]) for i in range(n)],
        dtype=np.float64,
    ).reshape(n, N_BASE)
    chars = np.array([len(ln.text) for ln in lines], dtype=np.float64)
    prose = chars * base[:, 2] * (1.0 - base[:, 19])
    total = prose.sum() or 1.0
    above = (np.cumsum(prose) - prose) / total
    below = 1.0 - above - prose / total
    # distance (in lines) to the nearest sentence line above and below
    idx = np.arange(n)
    sent_idx = np.flatnonzero(base[:, 2] > 0)
    if len(sent_idx):
        pos = np.searchsorted(sent_idx, idx)
        prev_s = np.where(pos > 0, idx - sent_idx[np.maximum(pos - 1, 0)], n)
        nxt = np.searchsorted(sent_idx, idx, side="right")
        next_s = np.where(nxt < len(sent_idx), sent_idx[np.minimum(nxt, len(sent_idx) - 1)] - idx, n)
    else:
        prev_s = next_s = np.full(n, n)
    # prose in a window of 3 lines each side
    c = np.concatenate(([0.0], np.cumsum(prose)))
    lo, hi = np.maximum(idx - 3, 0), np.minimum(idx + 4, n)
    window = (c[hi] - c[lo]) / (1.0 + np.concatenate(([0.0], np.cumsum(chars)))[hi] - np.concatenate(([0.0], np.cumsum(chars)))[lo])
    # person of the block (5 lines) against the page's
    person = base[:, 12] + base[:, 13]
    pc = np.concatenate(([0.0], np.cumsum(person)))
    block_person = (pc[hi] - pc[lo]) / (hi - lo)
    # comment furniture or a thread heading above (after prose): inside a thread
    cue = np.maximum(base[:, 15], base[:, 16]) * (above > 0.2)
    in_thread = np.maximum.accumulate(cue)
    ctx = []
    for k in _CTX:
        shifted = np.zeros((n, 3))
        src = np.arange(n) + k
        ok = (src >= 0) & (src < n)
        shifted[ok] = base[src[ok]][:, [0, 2, 19]]
        shifted[~ok, 0] = -1.0  # page edge
        ctx.append(shifted)
    extra = np.column_stack(
        [
            idx / max(1, n - 1),
            np.log1p(idx),
            np.log1p(n - 1 - idx),
            above,
            below,
            np.log1p(np.minimum(prev_s, 50)),
            np.log1p(np.minimum(next_s, 50)),
            window,
            block_person,
            block_person - person.mean(),
            in_thread,
            (below < 0.02).astype(np.float64),
            (above < 0.02).astype(np.float64),
        ]
    )
    return np.hstack([np.ones((n, 1)), base, *ctx, extra])


def _vector(lines: list[Line]) -> Counter[str]:
    out: Counter[str] = Counter()
    for ln in lines:
        out.update(t for t in _TOKEN.findall(ln.text.lower()) if len(t) > 2 and t not in _STOP)
    return out


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b[k] for k, v in a.items() if k in b)
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


def boundary_features(lines: list[Line], i: int, prose_idx: list[int], probs: np.ndarray,
                      feats: np.ndarray) -> np.ndarray:
    """Features of line ``i`` as the first line of a second article."""
    before = [lines[j] for j in prose_idx if j < i][-6:]
    after = [lines[j] for j in prose_idx if j > i][:6]
    cos = _cosine(_vector(before), _vector(after))
    pb = np.mean([feats[j, 13] + feats[j, 14] for j in prose_idx if j < i][-6:] or [0.0])
    pa = np.mean([feats[j, 13] + feats[j, 14] for j in prose_idx if j > i][:6] or [0.0])
    nb = next((j for j in range(i + 1, len(lines)) if j in set(prose_idx)), i + 1)
    byline_after = float(any(is_byline(lines[j].text, lines[j].words) for j in range(i + 1, min(nb, i + 4))))
    return np.array(
        [
            1.0,
            cos,
            abs(pa - pb),
            float(is_title(lines[i].text, lines[i].words)),
            probs[i, 4],
            probs[i, 1],
            probs[i - 1, 1] if i > 0 else 0.0,
            probs[i - 1, 0] if i > 0 else 0.0,
            byline_after,
            math.log1p(sum(len(ln.text) for ln in before)),
            math.log1p(sum(len(ln.text) for ln in after)),
            feats[i, 1],
        ]
    )


@dataclass(frozen=True)
class PageModel:
    """Weights of the page model (see the module docstring).

    Attributes:
        mean, scale: Feature standardisation.
        weights: ``(features, labels)`` logistic-regression weights.
        log_trans: ``(labels, labels)`` log transition probabilities (row: from, column: to).
        log_prior: Log label frequencies (divided out of the posteriors in the Viterbi pass).
        b_mean, b_scale, b_weights: The second-article model (binary).
        b_threshold: Score above which a line starts a second article (chosen on train sites
            for no cut on 99 % of single-article pages).
    """

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    log_trans: np.ndarray
    log_prior: np.ndarray
    b_mean: np.ndarray
    b_scale: np.ndarray
    b_weights: np.ndarray
    b_threshold: float

    def probabilities(self, feats: np.ndarray) -> np.ndarray:
        z = ((feats - self.mean) / self.scale) @ self.weights
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    def decode(self, probs: np.ndarray) -> np.ndarray:
        """Most likely label per line (Viterbi over the learnt transitions)."""
        n, k = probs.shape
        emit = np.log(probs + 1e-9) - self.log_prior
        score = emit[0] + self.log_prior
        back = np.zeros((n, k), dtype=np.int64)
        for i in range(1, n):
            cand = score[:, None] + self.log_trans
            back[i] = cand.argmax(axis=0)
            score = cand.max(axis=0) + emit[i]
        path = np.zeros(n, dtype=np.int64)
        path[-1] = int(score.argmax())
        for i in range(n - 1, 0, -1):
            path[i - 1] = back[i, path[i]]
        return path

    def boundary_score(self, bf: np.ndarray) -> float:
        z = float(((bf - self.b_mean) / self.b_scale) @ self.b_weights)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path, mean=self.mean, scale=self.scale, weights=self.weights, log_trans=self.log_trans,
            log_prior=self.log_prior, b_mean=self.b_mean, b_scale=self.b_scale, b_weights=self.b_weights,
            b_threshold=np.array(self.b_threshold),
        )


@functools.lru_cache(maxsize=4)
def load_model(path: Path = MODEL_FILE) -> PageModel | None:
    """The packaged page model, or ``None`` when the file is absent (rules only, as before)."""
    if not Path(path).exists():
        return None
    with np.load(path) as z:
        return PageModel(
            z["mean"], z["scale"], z["weights"], z["log_trans"], z["log_prior"], z["b_mean"], z["b_scale"],
            z["b_weights"], float(z["b_threshold"]),
        )


# Rule reasons the model may replace (verdicts of context, not of the line itself): a line the
# rules marked for its own shape (a share row, a newsletter box) stays marked.
_SOFT = (None, "widget", "repeated_line", "source_line", "corpus_line")


def page_state(
    lines: list[Line],
    reasons: list[str | None],
    sentence: list[bool],
    meta: list[bool],
    thread_head: list[bool],
    model: PageModel,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(features, probabilities, decoded labels)`` of a page."""
    counts = Counter(ln.text for ln in lines)
    repeats = [counts[ln.text] for ln in lines]
    feats = line_features(lines, reasons, sentence, meta, thread_head, repeats)
    probs = model.probabilities(feats)
    return feats, probs, model.decode(probs)


def second_article(
    lines: list[Line], labels: np.ndarray, probs: np.ndarray, feats: np.ndarray, reasons: list[str | None],
    model: PageModel, min_chars: int,
) -> tuple[int | None, float]:
    """The line where a second article starts and its score, or ``(None, best score)``.

    Candidates are headline-shaped lines (or lines the model reads as a title) with at least
    ``min_chars`` of article prose above and below them; a page without one is never cut.
    """
    prose_idx = [i for i in range(len(lines)) if labels[i] == 0 and reasons[i] is None]
    if len(prose_idx) < 2:
        return None, 0.0
    chars = np.zeros(len(lines))
    for i in prose_idx:
        chars[i] = len(lines[i].text)
    above = np.cumsum(chars) - chars
    below = chars.sum() - above - chars
    best, best_score = None, 0.0
    for i in range(1, len(lines)):
        if above[i] < min_chars or below[i] < min_chars:
            continue
        if not (labels[i] == 4 or (reasons[i] in _SOFT and is_title(lines[i].text, lines[i].words))):
            continue
        score = model.boundary_score(boundary_features(lines, i, prose_idx, probs, feats))
        if score > best_score:
            best, best_score = i, score
    if best is not None and best_score >= model.b_threshold:
        return best, best_score
    return None, best_score


def apply_model(
    lines: list[Line],
    reasons: list[str | None],
    sentence: list[bool],
    meta: list[bool],
    thread_head: list[bool],
    starts: list[int],
    config,
) -> list[int]:
    """Mark what the page model finds in ``reasons`` (in place); the article starts, updated."""
    model = load_model()
    if model is None or not lines:
        return starts
    feats, probs, labels = page_state(lines, reasons, sentence, meta, thread_head, model)
    for i, lab in enumerate(labels):
        if reasons[i] not in _SOFT:
            continue
        if lab == 1 and reasons[i] is None:
            reasons[i] = "furniture"
        elif lab == 2:
            reasons[i] = "comments"
        elif lab == 3:
            reasons[i] = "caption"
    if config.segments:
        cut, _ = second_article(lines, labels, probs, feats, reasons, model, config.min_segment_chars)
        if cut is not None and cut not in starts:
            starts = sorted([*starts, cut])
    return starts
