"""The page model: what each line of a scraped page is, read from the lines around it (issue 13).

A multinomial logistic regression over lines in context labels every line ``article``,
``furniture``, ``comment``, ``caption`` or ``title``; a Viterbi pass over the page with learnt
label transitions turns the per-line probabilities into runs (a comment thread is one run from
its first comment to the end of the page, a menu one run of short lines). A second, binary
logistic regression scores headline-shaped lines as the start of a second article.

Features (all from the plain text; :func:`line_features` lists them): the line's shape (words,
characters, case, digits, separators, closing punctuation, sentence and headline shape), its
person (first- and second-person words: reader comments say *I* and *you*, news reports rarely
do; English, German and French), the voice of a reader (questions, exclamations, emoji,
informal writing, time stamps, a handle's shape), its position, the cleaning rules' verdicts
(furniture kinds, comment furniture, thread headings, related-links headings, bylines, lines
repeated in the page or learnt from the corpus: the rules are features here), the same for the
lines two above and two below, and the prose around the line (article prose above and below it,
distance to the nearest sentence, the person and the voice of the block around it against the
page's, a time stamp within two lines). The line's own features come from one vectorised pass
over the page (:func:`_base_matrix`). The second-article score adds the change of topic (word
cosine of the prose above and below) and of person across the line.

The weights are package data (``data/page_model_v1.npz``), fitted by ``benchmarks/fit_pages.py``
on the *train* sites of ``benchmarks/pages.py`` (real pages rendered to plain text); the
held-out sites fit and tune nothing.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from copydesk.clean.lines import Line, key_text
from copydesk.clean.rules import is_byline, is_related_header, is_title

__all__ = ["LABELS", "PageModel", "boundary_features", "gap_cuts", "line_features", "load_model"]

LABELS = ("article", "furniture", "comment", "caption", "title")
DATA_DIR = Path(__file__).resolve().parent / "data"
MODEL_FILE = DATA_DIR / "page_model_v1.npz"

_TOKEN = re.compile(r"[\w']+")
_STOP = frozenset(
    "the a an and or of to in on for with at by from as is was were are be been it its that this these those "
    "he she they his her their them i you we not but has have had will would said says after before about "
    "into over than then there which who what when where also more most new one two".split()
)

N_BASE = 30
_CTX = (-2, -1, 1, 2)

# Cues read on the page's text, each counted on the line it starts in: person words (English,
# German, French: reader comments say *I* and *you*, news reports rarely do), time stamps of
# comment threads ("3 hours ago", "vor 2 Tagen", "12:34"), informal writing (emoticons, "lol",
# doubled "!!"), URL shapes and menu separators. They are the matches of one alternation,
# ``\b(?:<word cues>)|<mark cues>``, scanned left to right (read on the lower-cased page);
# :func:`_cues` finds them with two regexes that each let the regex engine skip to where a cue
# can start (the one alternation, opening with ``\b`` and groups, was tried at every character:
# 2.9x the time on article bodies).
#
# Word cues, each opening at a word boundary: matched with the non-word character before the
# word (``\W``; the page is read with a newline before it); a look-ahead on the first letters
# of them all, then one on each group's.
_WORD_CUES = re.compile(
    r"\W(?=[ijmnouwydetvaolh\d])"
    r"(?:(?P<first>(?=[ijmnouw])(?:i|me|my|mine|myself|we|us|our|ours|i'm|i've|i'd|i'll|we're|we've|ich|mir|mich|"
    r"mein|meine|meinen|meiner|wir|uns|unser|unsere|je|j'|moi|mon|mes|nous|notre|nos)\b)"
    r"|(?P<second>(?=[ydetv])(?:you|your|yours|you're|you've|yourself|du|dich|dir|dein|deine|deinen|euch|euer|eure|"
    r"tu|toi|ton|tes|vous|votre|vos)\b)"
    r"|(?P<ago>(?=[\davoi])(?:(?:\d+|an?|one)\s+(?:sec(?:ond)?|min(?:ute)?|hour|day|week|month|year)s?\s+ago\b"
    r"|vor\s+\d+\s+(?:sekunden|minuten|stunden|tagen|wochen|monaten|jahren)\b|il y a\s+\d+|\d{1,2}:\d{2}\b))"
    r"|(?P<informal>(?=[lhotdm])(?:lol|haha\w*|omg|thx|thanks|danke|merci)\b))"
)
# Mark cues: emoticons (``:-)``, ``;p``, ``!!``, ``??``), URL shapes (``http://``, ``www.``,
# ``@handle``, ``.com``) and menu separators. Every alternative opens with a literal character
# (no character class, no group: the engine skips straight to those characters); the kind is
# told by the first character (:func:`_mark_kind`).
_MARK_CUES = re.compile(
    r":-?[)(dp](?!\w)|;-?[)(dp](?!\w)|!!|\?\?"  # emoticons
    r"|https?://|www\.|@\w|\.com\b"  # URL shapes
    r"|\||»|›|>|/|•|·"  # separators
)
# the same on a page whose lower-casing changes its length (offsets must stay the page's)
_WORD_CUES_ANY_CASE = re.compile(_WORD_CUES.pattern, re.IGNORECASE)
_MARK_CUES_ANY_CASE = re.compile(_MARK_CUES.pattern, re.IGNORECASE)
_CUE_GROUPS = ("first", "second", "ago", "informal", "url", "sep", "emoticon")
_CUE_COLUMN = {g: k for k, g in enumerate(_CUE_GROUPS)}


def _mark_kind(first: str) -> int:
    """Column of a mark cue, from its first character."""
    if first in ":;!?":
        return _CUE_COLUMN["emoticon"]
    if first in "|»›>/•·":
        return _CUE_COLUMN["sep"]
    return _CUE_COLUMN["url"]  # h, w, @ or . (H or W on a page read in any case)


def _cues(text: str, words: re.Pattern[str], marks: re.Pattern[str]) -> tuple[list[int], list[int]]:
    """Offsets and columns (:data:`_CUE_GROUPS`) of the cues of ``text``, as ``finditer`` of
    ``\\b(?:<word cues>)|<marks>`` gives them (``words`` reads a word cue with the non-word
    character before it): the leftmost match first (a word cue before a mark
    cue at the same offset), the next one searched from its end (what a match covers opens
    nothing: ``@you`` is a handle, not *you*).

    Example:
        >>> _cues("i said: www.x.com :)", _WORD_CUES, _MARK_CUES)
        ([0, 8, 13, 18], [0, 4, 4, 6])
    """
    padded = "\n" + text  # a word cue at offset 0 has a non-word character before it
    pos: list[int] = []
    col: list[int] = []
    w = words.search(padded)  # a word cue at padded offset j opens the word at text offset j
    m = marks.search(text)
    while w is not None or m is not None:
        if m is None or (w is not None and w.start() <= m.start()):
            start, end = w.start(), w.end() - 1
            pos.append(start)
            col.append(_CUE_COLUMN[w.lastgroup])  # type: ignore[index]
        else:
            start, end = m.start(), m.end()
            pos.append(start)
            col.append(_mark_kind(m.group()[0]))
        if w is not None and w.start() < end:
            w = words.search(padded, end)
        if m is not None and m.start() < end:
            m = marks.search(text, end)
    return pos, col


_BULLET_START = frozenset("-•*–·►▶»>|")
# Columns of the line's own features read line by line (the others are counted over the page):
# sentence, headline shape, closing ".", "?!", ":", closing letter or digit, bullet, comment meta,
# thread heading, related-links heading, byline, hard furniture, repeated, learnt, comments.
_PER_LINE = [2, 3, 4, 5, 6, 7, 11, 15, 16, 17, 18, 19, 20, 21, 22]


def _base_matrix(
    lines: list[Line],
    reasons: list[str | None],
    sentence: list[bool],
    meta: list[bool],
    thread: list[bool],
    repeats: list[int],
) -> np.ndarray:
    """The line's own features, one row per line, in one vectorised pass over the page.

    Character classes are counted with numpy over the page's code points (``np.add.reduceat``
    over the line offsets), word-level cues with two regexes over the page
    (:func:`_cues`); only the rules' verdicts and the headline test are read per line.
    """
    n = len(lines)
    texts = [ln.text for ln in lines]
    page = "\n".join(texts)
    lens = np.fromiter((len(t) for t in texts), dtype=np.int64, count=n)
    starts = np.concatenate(([0], np.cumsum(lens + 1)[:-1]))
    cp = np.frombuffer(page.encode("utf-32-le"), dtype=np.uint32)
    upper = (cp >= 65) & (cp <= 90)
    lower = (cp >= 97) & (cp <= 122)
    digit = (cp >= 48) & (cp <= 57)
    wordish = upper | lower | digit | (cp == 95) | ((cp >= 192) & (cp < 0x2000))
    prev_word = np.concatenate(([False], wordish[:-1]))
    emoji = (cp >= 0x1F300) | ((cp >= 0x2600) & (cp < 0x27C0))
    # one row per class (summed along the row: 3x faster than along a column of a char-by-class table)
    classes = np.vstack([upper, upper | lower, digit, upper & ~prev_word, cp == 63, cp == 33, emoji])
    counts = np.add.reduceat(classes, starts, axis=1, dtype=np.float64).T
    low = page.lower()
    if len(low) == len(page):
        pos, grp = _cues(low, _WORD_CUES, _MARK_CUES)
    else:
        pos, grp = _cues(page, _WORD_CUES_ANY_CASE, _MARK_CUES_ANY_CASE)
    k = len(_CUE_GROUPS)
    where = np.searchsorted(starts, np.array(pos, dtype=np.int64), side="right") - 1
    cues = np.bincount(where * k + np.array(grp, dtype=np.int64), minlength=n * k)
    cues = cues.reshape(n, k).astype(np.float64)
    words = np.fromiter((ln.words for ln in lines), dtype=np.float64, count=n)
    nw = np.maximum(words, 1.0)
    out = np.empty((n, N_BASE))
    out[:, 0] = np.log1p(words)
    out[:, 1] = np.log1p(lens)
    # what is read line by line, in one pass (a numpy conversion per column cost more than the tests)
    out[:, _PER_LINE] = np.array([
        (
            s,
            is_title(t, w),
            t[-1] == ".",
            t[-1] in "?!",
            t[-1] == ":",
            t[-1].isalnum(),
            t[0] in _BULLET_START,
            m,
            h,
            w <= 12 and is_related_header(t),
            w <= 14 and is_byline(t, w),
            r is not None and r not in ("repeated_line", "source_line", "corpus_line"),
            r == "repeated_line" or copies > 1,
            r in ("source_line", "corpus_line"),
            r == "comments",
        )
        for (_, _, t, w), r, s, m, h, copies in zip(lines, reasons, sentence, meta, thread, repeats)
    ], dtype=bool)
    out[:, 8] = counts[:, 0] / np.maximum(counts[:, 1], 1.0)
    out[:, 9] = counts[:, 2] / lens
    out[:, 10] = (cues[:, 5] > 0) & (lens <= 200)
    out[:, 12] = np.minimum(cues[:, 0] / nw, 1.0)
    out[:, 13] = np.minimum(cues[:, 1] / nw, 1.0)
    out[:, 14] = (cues[:, 4] > 0) & (lens <= 300)
    out[:, 23] = counts[:, 3] / nw
    # the voice of a reader: questions, exclamations, emoji, informal writing, time stamps
    out[:, 24] = np.log1p(counts[:, 4])
    out[:, 25] = np.log1p(counts[:, 5])
    out[:, 26] = (counts[:, 6] + cues[:, 3] + cues[:, 6]) > 0
    out[:, 27] = cues[:, 2] > 0
    # a handle: one to three words, no digits, no closing punctuation
    out[:, 28] = (words <= 3) & (counts[:, 2] == 0) & out[:, 7].astype(bool)
    out[:, 29] = np.log1p(cues[:, 0] + cues[:, 1])
    return out


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
    base = _base_matrix(lines, reasons, sentence, meta, thread_head, repeats)
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
    # running sums (after a row of zeros) of prose, characters, person, voice and time stamps: the
    # sums over a block of lines
    person = base[:, 12] + base[:, 13]
    voice = base[:, 24] + base[:, 25] + base[:, 26] + base[:, 29] / 2
    sums = np.zeros((n + 1, 5))
    np.cumsum(np.column_stack([prose, chars, person, voice, base[:, 27]]), axis=0, out=sums[1:])
    lo, hi = np.maximum(idx - 3, 0), np.minimum(idx + 4, n)
    s_hi, s_lo = sums[hi], sums[lo]
    # prose in a window of 3 lines each side
    window = (s_hi[:, 0] - s_lo[:, 0]) / (1.0 + s_hi[:, 1] - s_lo[:, 1])
    # person of the block against the page's
    block_person = (s_hi[:, 2] - s_lo[:, 2]) / (hi - lo)
    # the voice of the block against the page's, and a time stamp within two lines
    voice_block = (s_hi[:, 3] - s_lo[:, 3]) / (hi - lo)
    lo2, hi2 = np.maximum(idx - 2, 0), np.minimum(idx + 3, n)
    stamp_near = ((sums[hi2, 4] - sums[lo2, 4]) > 0).astype(np.float64)
    # comment furniture or a thread heading above (after prose): inside a thread
    cue = np.maximum(base[:, 15], base[:, 16]) * (above > 0.2)
    in_thread = np.maximum.accumulate(cue)
    # words, sentence and hard furniture of the lines around; past the page's edge (-1, 0, 0)
    reach = max(abs(k) for k in _CTX)
    edge = np.zeros((reach, 3))
    edge[:, 0] = -1.0
    around = np.vstack([edge, base[:, [0, 2, 19]], edge])
    ctx = [around[reach + k:reach + k + n] for k in _CTX]
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
            voice_block,
            voice_block - voice.mean(),
            stamp_near,
        ]
    )
    return np.hstack([np.ones((n, 1)), base, *ctx, extra])


def _line_vector(text: str) -> Counter[str]:
    return Counter(t for t in _TOKEN.findall(text.lower()) if len(t) > 2 and t not in _STOP)


def _vector(lines: list[Line], cache: dict[int, Counter[str]] | None = None) -> Counter[str]:
    out: Counter[str] = Counter()
    for ln in lines:
        if cache is None:
            out.update(_line_vector(ln.text))
            continue
        vec = cache.get(ln.start)
        if vec is None:
            vec = cache[ln.start] = _line_vector(ln.text)
        out.update(vec)
    return out


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b[k] for k, v in a.items() if k in b)
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


def boundary_features(lines: list[Line], i: int, prose_idx: list[int], probs: np.ndarray,
                      feats: np.ndarray, labels: np.ndarray,
                      cache: dict[int, Counter[str]] | None = None, cos: float | None = None) -> np.ndarray:
    """Features of line ``i`` as the first line of a second article (``prose_idx`` sorted;
    ``cache`` keeps the lines' word vectors between the candidates of one page; ``cos``, when
    given, stands in for the topic cosine, the costliest feature, as in a bound)."""
    k = bisect.bisect_left(prose_idx, i)
    k2 = bisect.bisect_right(prose_idx, i)
    before_idx = prose_idx[max(0, k - 6):k]
    before = [lines[j] for j in before_idx]
    after = [lines[j] for j in prose_idx[k:k + 6]]
    last_before = prose_idx[k - 1] if k > 0 else i - 1
    gap = i - last_before - 1
    if cos is None:
        cos = _cosine(_vector(before, cache), _vector(after, cache))
    person = feats[:, 13] + feats[:, 14]
    # means as numpy takes them (its sum, then the division), without its per-call cost
    pb = float(np.add.reduce(person[before_idx])) / len(before_idx) if before_idx else 0.0
    after_idx = prose_idx[k2:k2 + 6]
    pa = float(np.add.reduce(person[after_idx])) / len(after_idx) if after_idx else 0.0
    nb = prose_idx[k2] if k2 < len(prose_idx) else i + 1
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
            math.log1p(gap),
            float(labels[i - 1] not in (0, 4)),
            float(labels[i] == 4),
        ]
    )


# How much of the label prior the Viterbi pass divides out of the posteriors (1: all, the hybrid
# HMM's scaled likelihoods). Dividing all of it out lifted the rare caption label (1.3 % of the
# train lines) over article prose on short plain-text pages: a page of nine lines, article
# posterior 0.75-0.96 a line, decoded as captions from top to bottom (samples/news, coastalpost).
_PRIOR_WEIGHT = 1.0


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
        emit = np.log(probs + 1e-9) - _PRIOR_WEIGHT * self.log_prior
        score = (emit[0] + _PRIOR_WEIGHT * self.log_prior).tolist()
        # in plain Python floats: five labels are too few for numpy's per-call cost (a numpy
        # step cost 3x as much); the same sums, and ties go to the first label as with argmax
        into = self.log_trans.T.tolist()  # per label, the log transitions into it
        others = range(1, len(score))
        back = []
        for row in emit[1:].tolist():
            step, new = [], []
            for trans, e in zip(into, row):
                best, arg = score[0] + trans[0], 0
                for a in others:
                    v = score[a] + trans[a]
                    if v > best:
                        best, arg = v, a
                step.append(arg)
                new.append(best + e)
            back.append(step)
            score = new
        label = score.index(max(score))
        path = [label]
        for step in reversed(back):
            label = step[label]
            path.append(label)
        return np.array(path[::-1], dtype=np.int64)

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


def candidates(lines: list[Line], labels: np.ndarray, reasons: list[str | None], min_chars: int) -> list[int]:
    """Lines that may start a second article: an article or title line that is headline-shaped
    or opens a run of article lines after other lines, with ``min_chars`` of article prose above
    and below it."""
    n = len(lines)
    labels = np.asarray(labels).tolist()  # Python ints and floats: read one by one below
    prose = np.array([len(ln.text) if labels[i] == 0 and reasons[i] is None else 0 for i, ln in enumerate(lines)],
                     dtype=np.float64)
    above = np.cumsum(prose) - prose
    below = (prose.sum() - above - prose).tolist()
    above = above.tolist()
    out = []
    for i in range(1, n):
        if above[i] < min_chars or below[i] < min_chars or labels[i] not in (0, 4) or reasons[i] not in _SOFT:
            continue
        if labels[i] == 4 or labels[i - 1] not in (0, 4) or is_title(lines[i].text, lines[i].words):
            out.append(i)
    return out


def second_article(
    lines: list[Line], labels: np.ndarray, probs: np.ndarray, feats: np.ndarray, reasons: list[str | None],
    model: PageModel, min_chars: int,
) -> tuple[int | None, float]:
    """The line where a second article starts and its score, or ``(None, best score)`` (the best
    of the candidates whose bound passed the threshold, 0 when none did).

    Candidates are :func:`candidates`; a page without one is never cut, and one is cut only
    when the best candidate's score passes the model's threshold.
    """
    cands = candidates(lines, labels, reasons, min_chars)
    if not cands:
        return None, 0.0
    prose_idx = [i for i in range(len(lines)) if labels[i] == 0 and reasons[i] is None]
    best, best_score = None, 0.0
    cache: dict[int, Counter[str]] = {}
    # the score is monotone in the topic cosine (in [0, 1]): a candidate whose score with the
    # cosine at its most favourable value stays under the threshold cannot be cut, and its word
    # vectors are not built (the same cuts, a third less of the second-article time)
    best_cos = 0.0 if model.b_weights[1] / model.b_scale[1] <= 0 else 1.0
    for i in cands:
        bound = model.boundary_score(
            boundary_features(lines, i, prose_idx, probs, feats, labels, cache, best_cos))
        if bound < model.b_threshold:
            continue
        score = model.boundary_score(boundary_features(lines, i, prose_idx, probs, feats, labels, cache))
        if score > best_score:
            best, best_score = i, score
    if best is not None and best_score >= model.b_threshold:
        return best, best_score
    # Plain-text evidence the rendered pages cannot teach (they have no blank lines): a headline
    # set off by a wider blank gap than the page's paragraphs, with another topic under it.
    gaps = [lines[j].start - lines[j - 1].end for j in prose_idx if j > 0]
    usual = sorted(gaps)[len(gaps) // 2] if gaps else 1
    for i in cands:
        gap = lines[i].start - lines[i - 1].end
        if gap < 3 or gap <= usual or not is_title(lines[i].text, lines[i].words):
            continue
        bf = boundary_features(lines, i, prose_idx, probs, feats, labels, cache)
        # and the headline names nothing the story above it spoke of (a subheading of the same
        # story usually does: "What the board will do next" under a story about the board)
        if bf[1] < _OTHER_TOPIC and not set(_vector([lines[i]])) & set(_vector(lines[:i])):
            return i, model.boundary_score(bf)
    return None, best_score


# Column of the feature matrix: 1 + base index (the bias column comes first).
_REPEATED = 1 + 20
_IN_THREAD = 1 + N_BASE + 3 * len(_CTX) + 10
# A sentence line is furniture or a caption only with this posterior; chosen on the train sites
# (the plain-text cleaning corpus of tests/data/cleaning stays as the rules leave it).
_SURE = 0.97
# A scraped page (all visible text) carries furniture the rules find: menus, share rows, lines
# learnt from the corpus. On the train sites' rendered pages the rules mark at least 35 lines
# and 36 % of the lines of nine pages in ten; on article text an extractor already cleaned
# (trafilatura's output on scrapinghub, cleanportaleval and trafilatura's set: the gates of
# tests/test_clean_quality.py) they mark at most 2 lines of nine texts in ten. Only on a scraped
# page does the model mark short lines by their place and open a comment thread without
# comment furniture: on extracted text both took the article's own lists, specifications and
# first-person passages (snippet F1 0.932 -> 0.918 on trafilatura's set). The limits sit between
# the two (8 lines and a fifth of the page); re-run benchmarks/fit_pages.py and those gates if
# they change.
_SCRAPED_LINES = 8
_SCRAPED_SHARE = 0.2
_BULLETS = "-•*–·►▶»>|"
# Top of the page and distance between copies of a repeated caption (as the rules' repeated_line:
# clean.document._TOP_LINES, _NEAR_LINES).
_TOP_CAPTION = 5
_NEAR = 3
# what a caption has and a headline has not: a full stop inside, or a credit in parentheses at the end
_CAPTION_SHAPE = re.compile(r"\w\. \S|\)$")
_NUMBERED = re.compile(r"\d{1,3}[).] ")
# Word cosine of the prose above and below a headline under which another story starts. Set by
# hand (no rendered page has blank lines to fit it on): two reports of one story share names and
# places (cosine 0.3 and more on the cleaning corpus); unrelated stories 0.0-0.1.
_OTHER_TOPIC = 0.15


def _thread_start(feats: np.ndarray) -> int:
    """First line inside a comment thread (after comment furniture below prose), or past the end."""
    hit = np.flatnonzero(feats[:, _IN_THREAD] > 0)
    return int(hit[0]) if len(hit) else len(feats) + 2


# A comment thread without comment furniture (no handle, "Reply" or heading the rules know: most
# threads of trafilatura's German and French blogs) starts where the model reads a run of at
# least _THREAD_LINES comment lines whose unmarked sentence lines (the replies; two at least)
# have a mean comment posterior of _THREAD_P, below at least _THREAD_PROSE characters of article
# prose. Chosen on the train sites (benchmarks/fit_pages.py, train rows, before the refit with the
# German and French thread headings: comment-line recall 0.49 for 2.7 % of the silver article
# lost; at 0.45, 0.46 for 2.6 %; at 0.55, 0.37 for 2.4 %).
_THREAD_LINES = 3
_THREAD_P = 0.35
_THREAD_PROSE = 400


def _model_thread(lines: list[Line], labels: np.ndarray, probs: np.ndarray, reasons: list[str | None],
                  sentence: list[bool]) -> int:
    """First line of the first convincing run of model comment lines below the article, or past the end."""
    n = len(lines)
    prose = 0
    i = 0
    while i < n:
        if labels[i] != 2:
            if labels[i] == 0 and reasons[i] is None and sentence[i]:
                prose += len(lines[i].text)
            i += 1
            continue
        j = i
        while j + 1 < n and labels[j + 1] == 2:
            j += 1
        if prose >= _THREAD_PROSE and j - i + 1 >= _THREAD_LINES:
            # the replies decide, not the footer the run carries to the page's end
            replies = [k for k in range(i, j + 1) if sentence[k] and reasons[k] is None]
            if len(replies) >= 2 and probs[replies, 2].mean() >= _THREAD_P:
                return i
        i = j + 1
    return n + 2


# A comment's stamp: the commenter's name (optional), a date and a time of day on one short line
# ("Armanox June 28, 2015 at 10:25 pm", "photobix 11. Dezember 2012 um 11:07", "17.10.2019, 14:14").
_STAMP = re.compile(
    r"(?:\b\d{1,2}\.?\s+[^\W\d_]{3,}\.?\s+\d{4}|\b[^\W\d_]{3,}\.?\s+\d{1,2},?\s+\d{4}"
    r"|\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\b\d{4}-\d{2}-\d{2})"
    r"\s*(?:,|at|um|à|a las|alle|-|–|@|/)?\s*\d{1,2}[:.h]\d{2}\b"
)
_STAMP_WORDS = 12


def _stamp_thread(lines: list[Line], reasons: list[str | None], sentence: list[bool],
                  probs: np.ndarray) -> tuple[int, int] | None:
    """A comment thread read from its stamps: ``(first line, past the last line)`` or ``None``.

    Below _THREAD_PROSE characters of article prose, at least _STAMPS short lines carrying a
    date and a time of day (:data:`_STAMP`), consecutive ones at most _STAMP_SPAN lines apart,
    with unmarked sentence lines (the replies) between them whose mean comment posterior is at
    least _STAMP_P (a listing of teasers or a live blog prints dates over news prose). The
    thread runs from the first stamp (or the short name line right above it) to the last
    reply under the last stamp.
    """
    n = len(lines)
    prose = 0
    stamps = []
    for i in range(n):
        if reasons[i] is None and sentence[i] and not stamps:
            prose += len(lines[i].text)
        if prose >= _THREAD_PROSE and lines[i].words <= _STAMP_WORDS and _STAMP.search(lines[i].text):
            if stamps and i - stamps[-1] > _STAMP_SPAN:
                if len(stamps) >= _STAMPS:
                    break
                stamps = []
            stamps.append(i)
    if len(stamps) < _STAMPS:
        return None
    end = stamps[-1] + 1
    while (end < n and reasons[end] is None and not _STAMP.search(lines[end].text)
           and end - stamps[-1] <= _STAMP_SPAN):
        end += 1
    replies = [i for i in range(stamps[0], end) if sentence[i] and reasons[i] is None and i not in stamps]
    if len(replies) < _STAMPS or probs[replies, 2].mean() < _STAMP_P:
        return None
    start = stamps[0]
    if start > 0 and not sentence[start - 1] and lines[start - 1].words <= 4 and reasons[start - 1] in _SOFT:
        start -= 1
    return start, end


# Chosen on the train sites (benchmarks/fit_pages.py, train rows): comment-line recall 0.639
# without stamps; with three stamps and a reply posterior of 0.3 or 0.2, 0.678 for the same 2.79 %
# of silver article characters lost; 0.1, 0.682 (2.79 %); 0.0, 0.682 (2.88 %); two stamps
# (0.2), 0.676. The higher posterior of the equal ones: a live blog's entries read as news.
_STAMPS = 3
_STAMP_SPAN = 12
_STAMP_P = 0.3


def _between_prose(labels: np.ndarray, reasons: list[str | None], sentence: list[bool]) -> set[int]:
    """Lines of runs of model furniture that touch neither the page's edges nor furniture the rules found."""
    out: set[int] = set()
    n = len(labels)
    i = 0
    while i < n:
        if labels[i] != 1 or reasons[i] is not None:
            i += 1
            continue
        j = i
        while j + 1 < n and labels[j + 1] == 1 and reasons[j + 1] is None:
            j += 1
        touches = i == 0 or j == n - 1 or reasons[i - 1] is not None or reasons[j + 1] is not None
        if not touches:
            out.update(range(i, j + 1))
        i = j + 1
    return out


def _unspaced(lines: list[Line]) -> bool:
    """Whether most of the page is written without spaces between words (Chinese, Japanese):
    the model's shape features count words, and the rendered pages it learnt from are mostly
    spaced scripts (whole Japanese articles were marked on scrapinghub), so the rules decide."""
    long_unspaced = sum(len(ln.text) for ln in lines if len(ln.text) > 12 * max(1, ln.words))
    return long_unspaced * 3 > sum(len(ln.text) for ln in lines)


def _near_repeats(lines: list[Line]) -> set[int]:
    """Lines printed again within three lines, or printed among the first five and again (as
    the rules' ``repeated_line``: a caption printed twice; a recipe's "1 tsp. salt" far down
    the page is the page's own)."""
    where: dict[str, list[int]] = {}
    for i, ln in enumerate(lines):
        where.setdefault(ln.text, []).append(i)
    out: set[int] = set()
    for pos in where.values():
        if len(pos) < 2:
            continue
        for a, b in zip(pos, pos[1:]):
            if b - a <= 3 or a < 5:
                out.update((a, b))
    return out


def _mark_caption_copies(lines: list[Line], reasons: list[str | None], sentence: list[bool]) -> None:
    """Mark every other copy of a line printed two or three times at the top of the page.

    A gallery scraper prints a photo's caption two or three times above the page; the same
    caption is printed once more under the photo inside the article. The copies on top are
    marked (by the rules or the model); the copy inside the article is the same caption, never
    article text (on the train sites' repeated-caption pages most unmarked caption copies were
    that one: marking them took the copies marked from 0.816 to 0.927). A line counts when its copies on top sit within _NEAR lines of each
    other among the first _TOP_CAPTION lines, and either all of them are marked or the line is
    printed again below (three copies or more) and is not a headline (headline-shaped with no
    full stop inside and no closing credit in parentheses); the comparison is on
    the normalised line (case, quotes, spaces).
    """
    top: dict[str, list[int]] = {}
    for i in range(min(len(lines), _TOP_CAPTION)):
        top.setdefault(key_text(lines[i].text), []).append(i)
    repeated = {
        k: pos for k, pos in top.items()
        if len(pos) >= 2 and pos[-1] - pos[0] <= _NEAR * (len(pos) - 1) and lines[pos[0]].text[:1] not in _BULLETS
    }
    if not repeated:
        return
    below: dict[str, list[int]] = {}
    for i in range(_TOP_CAPTION, len(lines)):
        k = key_text(lines[i].text)
        if k in repeated:
            below.setdefault(k, []).append(i)
    for k, pos in repeated.items():
        copies = below.get(k, [])
        if not copies:
            continue
        # copies on top left unmarked (the rules leave a line printed three times): a caption
        # still, unless headline-shaped (a headline printed on top and over the article is a title)
        if any(reasons[i] is None for i in pos):
            ln = lines[pos[0]]
            if is_title(ln.text, ln.words) and not sentence[pos[0]] and not _CAPTION_SHAPE.search(ln.text):
                continue
            for i in pos:
                if reasons[i] is None:
                    reasons[i] = "caption"
        for i in copies:
            if reasons[i] is None:
                reasons[i] = "caption"


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
    # Fast path: a page of prose lines and at most one other (its headline), without comment
    # furniture, gives the model nothing to mark or cut (every mark needs a short line, a
    # thread cue or a repeat; a cut needs a second headline): most documents of a plain-text
    # corpus take it, and pay nothing for the model.
    _mark_caption_copies(lines, reasons, sentence)  # needs no model: before the fast path
    if sum(1 for x in sentence if not x) <= 1 and not any(meta) and not any(thread_head):
        return starts
    model = load_model()
    if model is None or not lines or _unspaced(lines):
        return starts
    feats, probs, labels = page_state(lines, reasons, sentence, meta, thread_head, model)
    # Evidence before marking: a comment thread starts at most two lines above comment furniture
    # or a thread heading found after the article began (a reply under an excerpt reads like
    # prose; without a handle, a "Reply" or a heading the page gives no evidence of a thread); a
    # line with sentence structure is furniture or a caption only when the model is sure
    # (_SURE), or when it is a caption printed more than once.
    thread_from = _thread_start(feats)
    # a handle line or two above the first comment furniture opens the thread, prose never does
    while thread_from - 1 >= 0 and thread_from < len(lines) and thread_from >= 1 and not sentence[thread_from - 1] \
            and labels[thread_from - 1] == 2 and feats[thread_from - 1, _IN_THREAD] == 0 and thread_from > 0:
        thread_from -= 1
        if not (thread_from - 1 >= 0 and labels[thread_from - 1] == 2 and not sentence[thread_from - 1]):
            break
    marked_by_rules = sum(1 for r in reasons if r is not None)
    scraped = marked_by_rules >= _SCRAPED_LINES and marked_by_rules >= _SCRAPED_SHARE * len(lines)
    if scraped:
        # stamps above the thread the rules or the furniture found open it there (train sites:
        # comment-line recall 0.678 -> 0.708 against stamps only where no thread was found, silver
        # loss 2.79 -> 2.83 %, single pages cut 8 -> 7)
        stamped = _stamp_thread(lines, reasons, sentence, probs)
        if stamped is not None and stamped[0] < thread_from:
            a, b = stamped
            for j in range(a, b):
                if reasons[j] in _SOFT or reasons[j] == "byline":
                    reasons[j] = "comments"
            if thread_from < len(lines):
                thread_from = a
    if thread_from >= len(lines) and scraped:
        thread_from = _model_thread(lines, labels, probs, reasons, sentence)
        # the name and the date over the first reply open the thread (two short lines at most)
        k = thread_from
        while (k < len(lines) and k > 0 and thread_from - k < 2 and not sentence[k - 1]
               and lines[k - 1].words <= 4 and reasons[k - 1] in (None, "byline", "widget")):
            k -= 1
        for j in range(k, thread_from):
            reasons[j] = "comments"
        thread_from = k
    counts = Counter(ln.text for ln in lines)
    near = _near_repeats(lines)
    # short lines inside the article (subheadings, a list without bullets) are the article's
    # own unless the model is sure: menus and widgets touch the page's edges or other furniture
    inside = _between_prose(labels, reasons, sentence)
    seen: set[str] = set()
    last_copy = {ln.text: i for i, ln in enumerate(lines)}
    for i, lab in enumerate(labels.tolist()):
        first = lines[i].text not in seen
        seen.add(lines[i].text)
        if lab == 2:
            if i >= thread_from and reasons[i] in _SOFT:
                reasons[i] = "comments"
            continue
        # the model adds to what the rules found; it does not rename their reasons
        if reasons[i] is not None or lab == 0 or lab == 4:
            continue
        p = probs[i, lab]
        if lab == 1:
            if lines[i].text[:1] in _BULLETS or _NUMBERED.match(lines[i].text):
                continue  # a list item or a table row: the rules keep them, so does the model
            if p >= _SURE or (scraped and not sentence[i] and i not in inside
                              and len(lines[i].text) < 40 * max(1, lines[i].words)):
                reasons[i] = "furniture"
        elif lab == 3 and (p >= _SURE or i in near):
            text = lines[i].text
            if text[:1] in _BULLETS:
                continue  # a table's header row printed over each table, a list item
            headline = is_title(text, lines[i].words) and not sentence[i] and not _CAPTION_SHAPE.search(text)
            # a headline printed twice keeps its first copy, a line printed twice whose second
            # copy the rules marked keeps it too (the rules' repeated_line); a headline printed
            # again over its article keeps that last copy: the article's title
            if first and counts[text] == 2 and (headline or reasons[last_copy[text]] == "repeated_line"):
                continue
            if headline and counts[text] > 2 and i == last_copy[text]:
                continue
            reasons[i] = "caption"
    _mark_caption_copies(lines, reasons, sentence)  # again: the copies on top the model marked
    _thread_is_one_run(reasons)
    if config.segments:
        # the model decides the cut (the rules' headline-after-furniture test cut a third of the
        # single-article rendered pages of the train sites)
        cut, _ = second_article(lines, labels, probs, feats, reasons, model, config.min_segment_chars)
        # a start the rules found (a headline after furniture or over a byline) stays when the
        # model reads that line as article text with article prose on both sides of it
        ok = set(candidates(lines, labels, reasons, config.min_segment_chars))
        # (or, on a page that is not a scraped page, under a section heading such as "Also in
        # the news": the text names the change of story itself; on the rendered pages of the
        # train sites the same test cut 1 % more single-article pages)
        kept = {i for i in starts[1:] if i in ok or (
            (labels[i] in (0, 4) or (i + 1 < len(lines) and reasons[i + 1] == "byline")
             or (not scraped and reasons[i - 1] == "related_links" and labels[i] != 1))
            and _prose_both_sides(lines, sentence, reasons, i, config.min_segment_chars))}
        if scraped:
            # on a scraped page (all visible text) a headline after furniture with prose under it
            # is a teaser of a related-links list ("More in World", "Most Read") far more often
            # than a second article: with the rules' starts, 63 of the 356 single-article pages
            # of the train sites were cut; with none of them on scraped pages, 5; keeping those
            # over a byline with three paragraphs of their own (the "Next story" / "UP NEXT"
            # pages of tests/data/cleaning), 10. The model's cut and the blank gap
            # (clean.document) decide the rest.
            kept = {i for i in kept if _bylined_article(lines, reasons, sentence, i, starts)}
        starts = sorted({0, *kept, *([] if cut is None else [cut])})

    return starts


def gap_cuts(lines: list[Line], reasons: list[str | None], sentence: list[bool], min_chars: int,
              text: str | None) -> list[int]:
    """Lines that open another article after a blank gap wider than the page's usual one.

    Scrapers and feed readers that glue two items into one page print the second one after
    blank lines ("a title line, blank lines, the other story", issue 13); inside one article
    the gaps between paragraphs are the page's usual gap. A cut goes at the first line after a
    gap when (1) the gap holds more blank lines than the median gap above the page's paragraphs
    (and at least one), and no more than :data:`_WIDE_GAPS` gaps are that wide (a page whose sections all sit
    apart by wide gaps is laid out that way); (2) ``min_chars`` of unmarked prose lie between
    the previous cut and the gap and under the gap; (3) the prose right above and right below
    (six sentence lines each side) speaks of another topic (word cosine under
    :data:`_OTHER_TOPIC`; 0.15 kept every glued page of the train sites, 76 with prose on both
    sides, max 0.116, while 25 % of positions inside the train sites' single articles fall under
    it: the gap is the evidence, the topic keeps a sectioned article whole), and the first
    unmarked line under the gap names none of the words that prose above says twice or more (the
    story's subject; one shared word, or any word of the first line even if marked, stopped 14 of
    the 85 glued train pages: "former", "country", "Skip to main content").
    """
    n = len(lines)
    if n < 3:
        return []
    if text is not None:
        gaps = [text.count("\n", lines[j - 1].end, lines[j].start) for j in range(1, n)]
    else:
        gaps = [lines[j].start - lines[j - 1].end for j in range(1, n)]
    prose = [i for i in range(n) if sentence[i] and reasons[i] is None]
    # the usual gap is the one above a paragraph (furniture lines are often printed closer)
    above_prose = sorted(gaps[i - 1] for i in prose if i > 0)
    usual = above_prose[len(above_prose) // 2] if above_prose else 1
    widest = max(gaps)
    if widest <= max(usual, 1):
        return []
    wide = [j + 1 for j, g in enumerate(gaps) if g > usual and g >= 2]
    if len(wide) > _WIDE_GAPS:
        wide = [j + 1 for j, g in enumerate(gaps) if g == widest]
        if len(wide) > _WIDE_GAPS:
            return []
    chars = np.concatenate(([0], np.cumsum([len(lines[i].text) for i in prose])))
    out: list[int] = []
    last = 0
    for j in wide:
        k = bisect.bisect_left(prose, j)
        k0 = bisect.bisect_left(prose, last)
        if chars[k] - chars[k0] < min_chars or chars[-1] - chars[k] < min_chars:
            continue
        before = [lines[i] for i in prose[max(k0, k - 6):k]]
        after = [lines[i] for i in prose[k:k + 6]]
        # and the line under the gap names nothing the prose above it spoke of (a subheading of
        # the same story usually does: "What the board will do next" under a story about the board)
        above = _vector(before)
        head = next((i for i in range(j, n) if reasons[i] is None), j)
        if _cosine(above, _vector(after)) < _OTHER_TOPIC and not any(
                above[w] >= 2 for w in _vector([lines[head]])):
            out.append(j)
            last = j
    return out


# At most this many wide blank gaps on a page for any of them to cut it (two glued items have
# one; three have two).
_WIDE_GAPS = 3


def _bylined_article(lines: list[Line], reasons: list[str | None], sentence: list[bool], i: int,
                     starts: list[int]) -> bool:
    """A headline with a byline under it and at least three paragraphs of its own (to the next start)."""
    n = len(lines)
    if not any(reasons[j] == "byline" or is_byline(lines[j].text, lines[j].words)
               for j in range(i + 1, min(n, i + 3))):
        return False
    end = next((s for s in starts if s > i), n)
    return sum(1 for j in range(i + 1, end) if sentence[j] and reasons[j] is None) >= _ARTICLE_PARAS


_ARTICLE_PARAS = 3


# What a comment thread's own furniture is called line by line (a handle is a widget, a date a
# byline, "Reply" comment furniture, the site's "Report" line corpus furniture); inside a thread
# it is the thread's.
_THREAD_FURNITURE = (
    "widget", "byline", "repeated_line", "source_line", "corpus_line", "furniture", "comment_form",
)


def _thread_is_one_run(reasons: list[str | None]) -> None:
    """Lines the rules or the model marked as furniture between two comment lines are the thread's
    (``comments``): a thread is one run from its first comment to its last. Only lines already
    marked are renamed, so no article text is taken (on the train sites' comment pages 1,365 of
    5,228 comment lines were marked under a furniture reason, most of them inside the thread)."""
    marked = [i for i, r in enumerate(reasons) if r == "comments"]
    if len(marked) < 2:
        return
    for i in range(marked[0] + 1, marked[-1]):
        if reasons[i] in _THREAD_FURNITURE:
            reasons[i] = "comments"


def _prose_both_sides(lines: list[Line], sentence: list[bool], reasons: list[str | None], i: int,
                      min_chars: int) -> bool:
    """Unmarked sentence lines of ``min_chars`` above and below line ``i`` (after the model's marks)."""
    above = sum(len(lines[j].text) for j in range(i) if sentence[j] and reasons[j] is None)
    below = sum(len(lines[j].text) for j in range(i, len(lines)) if sentence[j] and reasons[j] is None)
    return above >= min_chars and below >= min_chars
