"""A seeds-like corpus: agency stories as the project's seed pages print them, as plain-text files.

The seed corpus of the project is one AFP story three ways: printed in full by one site (the
headline and the image caption repeated, site furniture, a second unrelated article glued on
below it), excerpted (its first paragraphs and its closing quotes) under a reader-comment thread
by another, and machine-rewritten by a content farm with a later date stamp in its title line.
This module builds that shape from real article text (the scrapinghub benchmark's gold bodies,
read at run time from ``../shared/data``, never copied into the repository), one story per
*variant*: each variant prints the agency's credit one way real pages print it, in one or two
of the copies, and the rewrite always loses it. Control variants mention the agency only in a
sentence ("told AFP"): their cluster must credit no agency.

Files: ``<outlet>/<slug>.txt`` (the outlet is the folder, as for any folder input).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["OUTLETS", "VARIANTS", "Variant", "build", "pick_articles"]

OUTLETS = {"full": "lemonde-mirror", "excerpt": "forum-actu", "farm": "newsbuzz-daily"}
"""The folder (outlet) of each kind of copy."""


@dataclass(frozen=True)
class Variant:
    """Where one story's copies print the agency's credit.

    Attributes:
        name: The variant's name (also the story's file slug).
        agency: The agency the cluster must credit (None for a control).
        dateline: The dateline opening the first paragraph (``"PARIS (AFP) - "``), or "".
        dateline_in: The copies whose first paragraph keeps the dateline (``full``, ``excerpt``).
        caption_credit: Appended to the image caption of the full print (``" (AFP/File)"``), or "".
        sign_off: A line closing the story in the full print (``"— AFP"``), or "".
        excerpt_credit: A line closing the excerpt (``"Source: AFP"``), or "".
        mention: A sentence added to the story's second paragraph (a control's mention).
    """

    name: str
    agency: str | None
    dateline: str = ""
    dateline_in: tuple[str, ...] = ("full",)
    caption_credit: str = ""
    sign_off: str = ""
    excerpt_credit: str = ""
    mention: str = ""


VARIANTS: tuple[Variant, ...] = (
    Variant("dateline-everywhere", "AFP", "PARIS (AFP) - ", ("full", "excerpt")),
    Variant("dated-dateline-full-only", "AFP", "PARIS, April 17 (AFP) - ", ("full",)),
    Variant("em-dash-dateline", "AFP", "Paris (AFP) — ", ("excerpt",)),
    Variant("sign-off-dash", "AFP", sign_off="— AFP"),
    Variant("copyright-line", "AFP", sign_off="© AFP 2024"),
    Variant("agency-name-line", "AFP", sign_off="Agence France-Presse"),
    Variant("photo-caption-only", "AFP", caption_credit=" (AFP/File)"),
    Variant("excerpt-source-only", "AFP", excerpt_credit="Source: AFP"),
    Variant("with-afp", "AFP", sign_off="(avec AFP)"),
    Variant("reuters-dateline", "Reuters", "LONDON, April 17 (Reuters) - ", ("full", "excerpt")),
    Variant("reuters-sign-off", "Reuters", sign_off="Reporting by Jane Smith; Editing by John Stonestreet"),
    Variant("ap-dateline", "AP", "WASHINGTON (AP) — ", ("full",)),
    Variant("dpa-dateline", "dpa", "Berlin (dpa) - ", ("full",)),
    Variant("efe-dateline", "EFE", "MADRID, 17 abr (EFE).- ", ("full",)),
    Variant("xinhua-dateline", "Xinhua", "BEIJING, April 17 (Xinhua) -- ", ("full",)),
    Variant("control-told-afp", None, mention="A spokesman told AFP the talks would go on."),
    Variant("control-afp-in-sentence", None,
            mention="According to figures compiled by AFP, turnout was higher than last year."),
)
"""The variants, one story each. The photo-caption variant is the weakest evidence (a page may
use an agency's photo over its own text): it names the agency only where no copy credits one
in its text."""

_AGENCY_DATELINE = re.compile(r"\((?:AP|AFP|Reuters)\)\s*[-–—]")
_NAV = "Home | World | Europe | Business | Sport | Culture | Opinion | Video"
_COMMENTS = (
    "Reader comments (14)",
    "marc_l wrote: Nothing new here, they have been saying the same thing for years.",
    "Sophie83 wrote: Does anyone have a link to the full text? The article stops right where it gets interesting.",
    "jb_bordeaux wrote: @Sophie83 it was on the front page of most sites this morning.",
    "Report this comment | Reply | Like (3)",
)
_SWAPS = {
    "said": "stated", "says": "states", "also": "additionally", "however": "nevertheless", "after": "following",
    "before": "prior to", "many": "numerous", "big": "large", "about": "approximately", "people": "individuals",
    "show": "demonstrate", "help": "assist", "start": "commence", "end": "conclusion", "new": "novel",
    "first": "initial", "team": "squad", "win": "victory", "but": "yet", "major": "significant",
}


def pick_articles(articles: dict[str, str], n: int) -> list[str]:
    """``n`` article ids with room for a seeds story: 2,000-6,000 characters, at least eight paragraphs."""
    # Articles already carrying an agency's dateline ("(Reuters) — ...") would credit it in every copy.
    ids = [k for k, v in sorted(articles.items()) if 2000 <= len(v) <= 6000 and len(_paragraphs(v)) >= 8
           and not _AGENCY_DATELINE.search(v[:300])]
    if len(ids) < n:
        raise ValueError(f"only {len(ids)} articles fit; {n} needed")
    return ids[:n]


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]


def _headline(paras: list[str]) -> str:
    return " ".join(paras[0].split()[:10]).rstrip(".,;:—-")


def _spin(text: str) -> str:
    """A content farm's machine rewrite: word swaps from a synonym table, case kept."""
    def swap(m: re.Match) -> str:
        word = m.group(0)
        new = _SWAPS.get(word.lower())
        if new is None:
            return word
        return new.capitalize() if word[0].isupper() else new
    return re.sub(r"[A-Za-z]+", swap, text)


def _strip_dateline(para: str) -> str:
    return re.sub(r"^[A-Z][A-Za-z .,]{0,40}\s[-–—]+\s", "", para)


def build(articles: dict[str, str]) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The corpus's files and, per variant, the ids of its copies.

    Args:
        articles: Article bodies by id (``tests.lineage_corpus.load_articles``).

    Returns:
        ``{path: text}`` (paths relative to the corpus folder, which are the document ids) and
        ``{variant name: {"full": id, "excerpt": id, "farm": id}}``.
    """
    ids = pick_articles(articles, len(VARIANTS))
    # The unrelated article glued below each full print: another article of the set, its own per story.
    fillers = [k for k in sorted(articles) if k not in ids]
    files: dict[str, str] = {}
    copies: dict[str, dict[str, str]] = {}
    for k, (variant, art) in enumerate(zip(VARIANTS, ids)):
        paras = [_strip_dateline(p) for p in _paragraphs(articles[art])]
        if variant.mention:
            paras[1] = paras[1] + " " + variant.mention
        headline = _headline(paras)
        caption = f"Photo: a view of the scene on Tuesday.{variant.caption_credit}"
        day = 17 + k % 3

        def lead(where: str) -> str:
            return (variant.dateline if where in variant.dateline_in else "") + paras[0]

        other = _paragraphs(articles[fillers[k]])[:5]
        full = [_NAV, headline, headline, caption, caption, f"Published April {day}, 2024 at 09:{10 + k:02d}",
                lead("full"), *paras[1:]]
        if variant.sign_off:
            full.append(variant.sign_off)
        full += ["Share on Facebook | Share on X | Email | Print", "Read also", _headline(other) + " ...", *other,
                 "Most read | Newsletter | Contact us | Legal notice"]
        quotes = [p for p in paras[2:] if '"' in p or "“" in p][-2:] or paras[-2:]
        excerpt = [f"Forum > World news > {headline}", "Posted by newsreader42", lead("excerpt"), *paras[1:3],
                   "[...]", *(q for q in quotes if q not in paras[1:3])]
        if variant.excerpt_credit:
            excerpt.append(variant.excerpt_credit)
        excerpt += list(_COMMENTS)
        farm = [f"{_spin(headline)}! | 2024-04-{day + 5:02d} 03:{16 + k:02d}:42",
                *(_spin(p) for p in paras[:-1]), "Like this story? Share it with your friends!"]
        copies[variant.name] = {}
        for kind, lines in (("full", full), ("excerpt", excerpt), ("farm", farm)):
            doc = f"{OUTLETS[kind]}/{variant.name}.txt"
            files[doc] = "\n\n".join(lines) + "\n"
            copies[variant.name][kind] = doc
    return files, copies
