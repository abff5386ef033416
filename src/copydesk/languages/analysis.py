"""Text read the way each language is written: words, sentences, stems, stop words, mojibake.

One :class:`TextAnalyzer` holds the tools of every language and loads each on first use, so a
stage that needs words or sentences asks it with the document's language (from
:func:`copydesk.languages.identify`) and a new language or tokenizer lands here only.

What each language gets (the ``languages`` extra: ``pip install 'copydesk[languages]'``):

- words: runs of word characters (``\\w+``) with their offsets, as :func:`copydesk.text.tokenize`;
  Chinese runs are cut into words by jieba's dictionary and HMM; Japanese has no segmenter
  among our dependencies (fugashi/sudachi need a dictionary package of 50+ MB), so its
  Han/kana runs become overlapping character bigrams, the usual index unit for CJK search.
  Thai and other scripts without spaces stay whole runs.
- sentences: pysbd's rules for the 23 languages it has (de, es, fr, it, pl, ru, ar, zh, ja, en
  among them); elsewhere (tr...) a Unicode rule set: a sentence ends at ``. ! ? … 。 ！ ？ ؟``
  followed by a space (or at once after a CJK stop) and a character that is not lower case.
- stems: the Snowball stemmers of the ``snowballstemmer`` package (ar, de, es, fr, it, pl,
  ru, tr, en and 20 more); words of other languages are their own stem.
- stop words: the ``stopwordsiso`` lists (ISO 639-1 codes).
- mojibake: ftfy says whether a text looks like UTF-8 read in the wrong code page and how it
  reads repaired; stages report it as a warning and never rewrite the original.

Example:
    >>> analyzer = TextAnalyzer()
    >>> [t.norm for t in analyzer.words("习近平在北京会见了美国总统", "zh")][:3]
    ['习近平', '在', '北京']
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from copydesk.errors import MissingExtra
from copydesk.text import Token, normalize

__all__ = ["TextAnalyzer", "mojibake_warning", "repair_mojibake"]

_WORD = re.compile(r"\w+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_JA = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")

# Snowball algorithm names of the languages whose stemmer we use, by ISO 639-1 code.
SNOWBALL = {
    "ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german", "el": "greek",
    "en": "english", "es": "spanish", "et": "estonian", "eu": "basque", "fi": "finnish", "fr": "french",
    "ga": "irish", "hi": "hindi", "hu": "hungarian", "hy": "armenian", "id": "indonesian", "it": "italian",
    "lt": "lithuanian", "ne": "nepali", "nl": "dutch", "no": "norwegian", "fa": "persian", "pl": "polish",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "sv": "swedish", "ta": "tamil",
    "tr": "turkish", "yi": "yiddish",
}

# pysbd's languages (pysbd.languages.LANGUAGE_CODES of pysbd 0.3.4).
PYSBD = frozenset({"am", "ar", "bg", "da", "de", "el", "en", "es", "fa", "fr", "hi", "hy", "it", "ja", "kk",
                   "mr", "my", "nl", "pl", "ru", "sk", "ur", "zh"})

# The Unicode rule set for the others: a terminal, closing quotes/brackets, then either a space
# and a character that does not start in lower case, or (after a CJK terminal) anything.
_SENTENCE_END = re.compile(r"(?:[.!?…؟]+[\"'»«“”’)\]]*(?=\s+[^\s\w]*[^\W\d_a-zà-ÿ])|[。！？]+[」』”’)]*)")



def _need(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(f"{module} is part of the languages extra: pip install 'copydesk[languages]'") from None


@dataclass
class TextAnalyzer:
    """The per-language tools, each loaded once, on first use, by this object (no global state).

    Attributes:
        jieba_dictionary: A jieba dictionary file to use instead of the package's own (None).
    """

    jieba_dictionary: str | None = None
    _jieba: Any = field(default=None, init=False, repr=False)
    _stemmers: dict[str, Any] = field(default_factory=dict, init=False, repr=False)
    _stopwords: dict[str, frozenset[str]] = field(default_factory=dict, init=False, repr=False)
    _segmenters: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    # --- words -----------------------------------------------------------------------------

    def words(self, text: str, language: str) -> list[Token]:
        """Words of ``text`` with offsets into ``text`` (``text[t.start:t.end]`` is the word as written).

        Args:
            text: Original text.
            language: ISO 639-1 code (``zh`` and ``ja`` are segmented; others split on ``\\w+``).

        Returns:
            Tokens in order, normalised as :func:`copydesk.text.normalize` does.

        Raises:
            MissingExtra: Chinese text and jieba is not installed.
        """
        tokens: list[Token] = []
        for m in _WORD.finditer(text):
            run, start = m.group(), m.start()
            if language == "zh" and _HAN.search(run):
                tokens.extend(Token(start + s, start + e, normalize(w)) for w, s, e in self._zh().tokenize(run)
                              if not w.isspace())
            elif language == "ja" and _JA.search(run):
                tokens.extend(_ja_tokens(run, start))
            else:
                tokens.append(Token(start, m.end(), run.lower() if run.isascii() else normalize(run)))
        return [t for t in tokens if t.norm]

    def _zh(self) -> Any:
        if self._jieba is None:
            jieba = _need("jieba")
            import logging

            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer(self.jieba_dictionary or jieba.DEFAULT_DICT)
            tokenizer.initialize()
            self._jieba = tokenizer
        return self._jieba

    # --- sentences -------------------------------------------------------------------------

    def sentences(self, text: str, language: str) -> list[tuple[int, int]]:
        """Sentence spans ``[start, end)`` of ``text`` (whitespace between sentences left out).

        Args:
            text: Original text.
            language: ISO 639-1 code: pysbd's rules where it has the language, else the Unicode
                rule set described in the module docstring.

        Returns:
            Spans in order, each non-empty.
        """
        spans: list[tuple[int, int]] = []
        if language in PYSBD:
            segmenter = self._segmenter(language)
            if segmenter is not None:
                for s in segmenter.segment(text):
                    spans.append(_trimmed(text, s.start, s.end))
                return [s for s in spans if s[1] > s[0]]
        start = 0
        for m in _SENTENCE_END.finditer(text):
            spans.append(_trimmed(text, start, m.end()))
            start = m.end()
        spans.append(_trimmed(text, start, len(text)))
        return [s for s in spans if s[1] > s[0]]

    def _segmenter(self, language: str) -> Any:
        if language not in self._segmenters:
            pysbd = _need("pysbd")
            self._segmenters[language] = pysbd.Segmenter(language=language, clean=False, char_span=True)
        return self._segmenters[language]

    # --- stems and stop words --------------------------------------------------------------

    def stem(self, word: str, language: str) -> str:
        """The Snowball stem of a normalised word (the word itself where no stemmer exists)."""
        stemmer = self._stemmer(language)
        return stemmer.stemWord(word) if stemmer is not None else word

    def _stemmer(self, language: str) -> Any:
        if language not in self._stemmers:
            algorithm = SNOWBALL.get(language)
            self._stemmers[language] = _need("snowballstemmer").stemmer(algorithm) if algorithm else None
        return self._stemmers[language]

    def stopwords(self, language: str) -> frozenset[str]:
        """The stop words of a language (normalised; empty where stopwordsiso has no list)."""
        if language not in self._stopwords:
            iso = _need("stopwordsiso")
            words = iso.stopwords(language) if iso.has_lang(language) else set()
            self._stopwords[language] = frozenset(normalize(w) for w in words)
        return self._stopwords[language]

    def terms(self, text: str, language: str) -> list[str]:
        """Content words of ``text`` as stems: its words less stop words, digits and single letters.

        Example:
            >>> TextAnalyzer().terms("Die Regierungen haben das Gesetz beschlossen", "de")
            ['regier', 'gesetz', 'beschloss']
        """
        stop = self.stopwords(language)
        out = []
        for t in self.words(text, language):
            w = t.norm
            if w in stop or w.isdigit() or (len(w) < 2 and not _HAN.match(w)):
                continue
            out.append(self.stem(w, language))
        return out


def _ja_tokens(run: str, start: int) -> list[Token]:
    """Overlapping character bigrams of each Han/kana stretch of ``run``; other stretches whole."""
    tokens = []
    pos = 0
    for m in _JA.finditer(run):
        if m.start() > pos:
            tokens.append(Token(start + pos, start + m.start(), normalize(run[pos : m.start()])))
        piece = m.group()
        if len(piece) == 1:
            tokens.append(Token(start + m.start(), start + m.end(), normalize(piece)))
        for i in range(len(piece) - 1):
            a = start + m.start() + i
            tokens.append(Token(a, a + 2, normalize(piece[i : i + 2])))
        pos = m.end()
    if pos < len(run):
        tokens.append(Token(start + pos, start + len(run), normalize(run[pos:])))
    return tokens


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# --- mojibake ----------------------------------------------------------------------------------


# UTF-8 read as cp1252/latin-1 turns every non-ASCII character into a lead byte (Â-ô) followed
# by a continuation byte (0x80-0xBF: in cp1252 also € ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ‘ ’ “ ” • – — ˜ ™
# š › œ ž Ÿ). Text without such a couple cannot be that mojibake; ftfy decides on the others.
_MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)


def repair_mojibake(text: str) -> str | None:
    """``text`` repaired by ftfy when it looks like mojibake (UTF-8 read as cp1252/latin-1...), else None.

    Raises:
        MissingExtra: ftfy is not installed.

    Example:
        >>> repair_mojibake("TÃ¼rkiye'de Ã§ok")
        "Türkiye'de çok"
    """
    if not _MOJIBAKE_HINT.search(text):  # a C-speed pre-check: ftfy's own test is 20x slower
        return None
    ftfy = _need("ftfy")
    if not ftfy.badness.is_bad(text):
        return None
    fixed = ftfy.fix_encoding(text)
    return fixed if fixed != text else None


def mojibake_warning(text: str, origin: str) -> str | None:
    """A warning for a document whose text is mojibake (None when it is not, or ftfy is not installed).

    The original is kept as given: offsets into it must stay valid. The warning shows the
    first changed stretch as ftfy reads it, so the user can re-decode the source.
    """
    try:
        fixed = repair_mojibake(text[:20_000])
    except MissingExtra:
        return None
    if fixed is None:
        return None
    i = next((k for k, (a, b) in enumerate(zip(text, fixed)) if a != b), 0)
    shown = unicodedata.normalize("NFC", fixed[max(0, i - 10) : i + 30]).replace("\n", " ")
    return (f"{origin}: the text looks like mojibake (UTF-8 decoded with the wrong code page); "
            f"ftfy reads it as ...{shown}...; re-decode the source to match it with other copies")
