"""Word-level differences inside an aligned passage, for side-by-side display."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

from copydesk.passages.align import word_tokens
from copydesk.types import Passage

__all__ = ["DiffPiece", "explain_passage"]


@dataclass(frozen=True, slots=True)
class DiffPiece:
    """A piece of an aligned passage: ``a`` in the first text against ``b`` in the second.

    Attributes:
        op: ``equal`` (the same words, perhaps typeset differently), ``replace`` (different
            words), ``delete`` (words only in a; ``b`` is empty) or ``insert`` (only in b).
        a: ``(start, end)`` in the first text's original; empty (``start == end``) for insert.
        b: ``(start, end)`` in the second text's original; empty for delete.
    """

    op: Literal["equal", "replace", "delete", "insert"]
    a: tuple[int, int]
    b: tuple[int, int]


def explain_passage(text_a: str, text_b: str, passage: Passage) -> list[DiffPiece]:
    """Split a passage into pieces that are equal or differ, word by word.

    The pieces tile both spans of the passage in order, so a renderer can print
    ``text_a[piece.a[0]:piece.a[1]]`` beside ``text_b[piece.b[0]:piece.b[1]]`` and highlight
    every piece whose ``op`` is not ``equal``. Words compare in normalised form (case, quote
    marks and dashes do not count as differences); the text between two words goes with the
    piece that precedes it.

    Args:
        text_a: First text, as given to :func:`copydesk.align`.
        text_b: Second text.
        passage: One passage of ``align(text_a, text_b)``.

    Returns:
        Pieces covering ``passage.a`` and ``passage.b`` from start to end.

    Example:
        >>> a, b = "The mayor said no to the plan.", "The mayor said yes to the plan."
        >>> for p in explain_passage(a, b, Passage((0, 30), (0, 31))):
        ...     print(p.op, repr(a[slice(*p.a)]), repr(b[slice(*p.b)]))
        equal 'The mayor said ' 'The mayor said '
        replace 'no ' 'yes '
        equal 'to the plan.' 'to the plan.'
    """
    (sa, ea), (sb, eb) = passage.a, passage.b
    words_a, starts_a, _ = word_tokens(text_a[sa:ea])
    words_b, starts_b, _ = word_tokens(text_b[sb:eb])
    # Piece boundaries: the start of each word, so inter-word text stays with the word before.
    cut_a = [sa] + [sa + int(s) for s in starts_a[1:]] + [ea] if words_a else [sa, ea]
    cut_b = [sb] + [sb + int(s) for s in starts_b[1:]] + [eb] if words_b else [sb, eb]
    pieces = []
    matcher = difflib.SequenceMatcher(None, words_a, words_b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        a = (cut_a[i1], cut_a[i2]) if i2 > i1 else (cut_a[i1],) * 2
        b = (cut_b[j1], cut_b[j2]) if j2 > j1 else (cut_b[j1],) * 2
        pieces.append(DiffPiece(op, a, b))
    return pieces
