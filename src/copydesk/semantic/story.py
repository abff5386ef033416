"""The facts of a news text (names, numbers, content words) and whether two texts tell one story.

Two independent reports of one event share no sentences but share its facts: the people and
places named, the figures (a death toll, a score, an amount) and the topic words. An article
that merely shares a topic word ("earthquake") or a place ("Paris") with another shares one
or two of these, not all of them. :func:`story_profile` collects the facts of a document;
:func:`story_similarity` compares two profiles.

Example:
    >>> a = story_profile("A 6.2 earthquake hit Amatrice, Italy. Officials said 38 people died.")
    >>> b = story_profile("In Amatrice 38 people were killed when a 6.2 quake struck central Italy.")
    >>> story_similarity(a, b).shared_facts >= 3
    True
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from copydesk.semantic.lexical import NAME_WEIGHT, NUMBER_WEIGHT, STOP_WORDS, stem
from copydesk.semantic.sentences import split_sentences

__all__ = ["StoryProfile", "StorySimilarity", "story_profile", "story_similarity"]

_TOKEN = re.compile(r"\d+(?:[.,:/]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)?")
_YEAR = re.compile(r"^(1[89]|20)\d\d$")
# Capitalised in English but not names of an event: every report of the week shares them.
_CALENDAR = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december".split()
)


@dataclass(frozen=True, slots=True)
class StoryProfile:
    """The facts of one document.

    Attributes:
        names: Stems of proper names (capitalised words seen capitalised mid-sentence).
        numbers: Significant numbers: two or more digits or a decimal, and not a year.
        weights: Content term -> sublinear frequency x type weight (for the topic cosine).
    """

    names: frozenset[str]
    numbers: frozenset[str]
    weights: dict[str, float]

    @property
    def norm(self) -> float:
        """Euclidean norm of ``weights``."""
        return math.sqrt(sum(w * w for w in self.weights.values()))


@dataclass(frozen=True, slots=True)
class StorySimilarity:
    """How two profiles relate.

    Attributes:
        cosine: Cosine of the weighted content-term vectors, 0 to 1.
        shared_names: Proper names in both.
        shared_numbers: Significant numbers in both.
    """

    cosine: float
    shared_names: int
    shared_numbers: int

    @property
    def shared_facts(self) -> int:
        """Names and numbers in both."""
        return self.shared_names + self.shared_numbers


def _number(token: str) -> str:
    n = token.replace(",", "")
    if "." in n:
        n = n.rstrip("0").rstrip(".") or "0"
    return n


def _significant(number: str, written: str = "") -> bool:
    """Numbers that identify an event: "38", "6.2", "2,000"; not "3" and not a year ("2013")."""
    if _YEAR.match(number) and "," not in written:
        return False
    return len(number.replace(".", "")) >= 2 or "." in number


def story_profile(text: str) -> StoryProfile:
    """Collect the names, numbers and content words of ``text``.

    A capitalised word is a name if it is not a stop word and the document also writes it
    capitalised somewhere other than at the start of a sentence: "Police" opening a sentence
    is not a name, "Amatrice" is.

    Args:
        text: Article text (``DocView.masked``).

    Returns:
        The document's :class:`StoryProfile`.
    """
    tf: Counter[str] = Counter()
    mid_caps: set[str] = set()
    initial_caps: set[str] = set()
    numbers: set[str] = set()
    kinds: dict[str, float] = {}
    memo: dict[str, str] = {}  # words repeat within a document; stemming is the costly part
    for sentence in split_sentences(text):
        words = [w for w in _TOKEN.findall(sentence.text) if not w[0].isdigit()]
        # A headline in title case capitalises every word: no name evidence there.
        title_case = len(words) >= 3 and sum(w[0].isupper() for w in words) > 0.6 * len(words)
        first = True
        for m in _TOKEN.finditer(sentence.text):
            tok = m.group()
            if tok[0].isdigit():
                if sentence.text[max(0, m.start() - 2) : m.start()] == "&#":
                    continue  # an HTML character reference left in the text ("&#8220;"), not a fact
                n = _number(tok)
                key = "#" + n
                tf[key] += 1
                kinds[key] = NUMBER_WEIGHT if _significant(n, tok) else 1.0
                if _significant(n, tok):
                    numbers.add(n)
                first = False
                continue
            low = tok.lower()
            base = low.replace("’", "'").split("'")[0]
            if base in STOP_WORDS or len(base) < 2:
                first = False
                continue
            s = memo.get(base)
            if s is None:
                s = memo[base] = stem(base)
            tf[s] += 1
            kinds.setdefault(s, 1.0)
            if tok[0].isupper() and not tok.isupper() or (tok.isupper() and len(tok) <= 5):
                (initial_caps if first or title_case else mid_caps).add(s)
            first = False
    names = frozenset(mid_caps - {stem(w) for w in _CALENDAR})
    weights = {}
    for term, count in tf.items():
        kind = NAME_WEIGHT if term in names else kinds[term]
        weights[term] = (1.0 + math.log(count)) * kind
    return StoryProfile(names, frozenset(numbers), weights)


def story_similarity(a: StoryProfile, b: StoryProfile) -> StorySimilarity:
    """Compare the facts of two documents (symmetric).

    Args:
        a: Profile of one document.
        b: Profile of the other.

    Returns:
        Their topic cosine and the counts of shared names and numbers.
    """
    small, large = (a.weights, b.weights) if len(a.weights) <= len(b.weights) else (b.weights, a.weights)
    dot = sum(w * large[t] for t, w in small.items() if t in large)
    denom = a.norm * b.norm
    cosine = dot / denom if denom > 0 else 0.0
    return StorySimilarity(min(1.0, cosine), len(a.names & b.names), len(a.numbers & b.numbers))
