"""Build the reuse test corpus from the hand-written originals (fixed seed, deterministic).

Run ``python tests/data/reuse/make_corpus.py`` to rewrite ``docs.jsonl`` and ``gold.jsonl``;
``tests/test_passages_gate.py`` checks that the committed files are what this script makes.

Each original is published on one site and reused on others through documented
transformations (the ``transform`` field of each document):

- ``original``: the article under a headline, with its site's footer.
- ``copy_edit``: the whole article with light edits in most paragraphs (a changed word, a
  typo, typographic quotes) under another headline.
- ``ocr``: the whole article with OCR-like character noise (about 1.5% of letters).
- ``lead_excerpt`` / ``middle_excerpt`` / ``tail_excerpt``: one to three consecutive paragraphs
  with a short credit line.
- ``comments_page``: the first paragraphs followed by a long thread of reader comments.
- ``glued``: the whole article, then a second, unrelated article on the same page (the page's
  ``segments`` give both, as the cleaner would).
- ``quoted``: an unrelated report that quotes two consecutive paragraphs in its middle.

Unrelated pages (``filler``) are generated from sentence templates, each used once. Every page
but the OCR scans carries its site's footer, whose lines are boilerplate: a site line on every
page of that site, and sharing, newsletter and comment-form lines on every site. Credit lines of
excerpts and the "Leave a comment" line are boilerplate too. Their spans are recorded in
``boilerplate``; they must never relate two documents.

Gold: for every pair of documents sharing paragraphs of an original, the maximal runs of
consecutive shared paragraphs as passages (spans in both documents), and the kind the
containment rule gives for those spans with the boilerplate blanked and the segments used.
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from originals import ORIGINALS  # noqa: E402

SEED = 20261122

# Seven sites: each original and its six reuses appear on different sites, and every site's
# footer is on about 18 pages, above the relative document-frequency cap of the corpus.
SITES = ["Varnholm Courier", "Brede Post", "Hadeby Tidende", "Coastal Herald", "Granlia Weekly",
         "Ellmark Daily", "North Wire"]
GENERIC_FOOTER = [
    "Share this article: Facebook | X | LinkedIn | Email | Print",
    "Sign up for our free morning newsletter and get the most important stories of the day "
    "delivered to your inbox before breakfast. You can unsubscribe at any time with one click.",
    "Your email address will not be published. Required fields are marked with an asterisk. "
    "Comments are moderated and may take up to 24 hours to appear on the site.",
]
SUBSTITUTES = ["several", "major", "local", "recent", "large", "early", "senior", "public",
               "former", "regional", "national", "private", "main", "final", "small"]
OCR_CONFUSIONS = {"e": "c", "l": "1", "o": "0", "i": "l", "m": "rn", "n": "u", "a": "o", "s": "5",
                  "h": "b", "t": "f", "c": "e", "u": "v"}

FIRST = ["Anna", "Bjorn", "Cecilie", "Dag", "Elin", "Frode", "Guro", "Hallvard", "Ida", "Jens",
         "Kari", "Leif", "Mona", "Nils", "Oda", "Per", "Ragna", "Sverre", "Tone", "Ulf", "Vera",
         "Willy", "Yngve", "Asta", "Birger", "Dorte", "Espen", "Frida", "Gunnar", "Hedda"]
LAST = ["Aune", "Berg", "Dahl", "Eide", "Fjeld", "Gran", "Holm", "Isaksen", "Juvik", "Krog",
        "Lund", "Myhre", "Nesse", "Orvik", "Pettersen", "Rise", "Sand", "Tveit", "Ulvestad",
        "Vik", "Wold", "Aasland", "Bakke", "Dyrnes", "Engen", "Foss", "Grotle", "Hauge"]
PLACES = ["Kvalsund", "Myrdal", "Ostvik", "Lillehavn", "Torsby", "Rindal", "Skogheim",
          "Vestnes", "Aurlia", "Bjornvik", "Dalsbygd", "Elvenes", "Fagerli", "Hovden", "Istad",
          "Jolster", "Kroken", "Lysaker", "Mosvik", "Naustdal"]
ORGS = ["the municipal council", "the county road authority", "the local police district",
        "the harbour board", "the regional health trust", "the fire service",
        "the tenants' association", "the chamber of commerce", "the school board",
        "the fishermen's cooperative", "the power company", "the university college",
        "the planning committee", "the parish council", "the sports federation"]
TOPICS = ["a new parking scheme", "the closure of the night bus", "plans for a wind farm",
          "repairs to the old pier", "a shortage of nurses", "the price of district heating",
          "a proposed shopping centre", "noise from the quarry", "the winter road budget",
          "a new cycle path", "the merger of two schools", "funding for the museum",
          "the sale of the ferry terminal", "a ban on cruise ships", "the future of the mill",
          "overcrowding at the health centre", "the reopening of the cinema",
          "delays to the water treatment plant", "a dispute over fishing quotas",
          "the cost of snow clearing", "a plan to move the bus station", "the new rules for dog owners",
          "a request for more street lights", "a shortage of kindergarten places", "the fate of the old dairy",
          "a bid to host the ski championship", "the rent for market stalls", "a survey of the lake",
          "the noise from night flights", "a new home for the archive", "the tender for school meals",
          "a proposal to close the post office", "a landslide on the coastal road", "the repair of the church roof",
          "the choice of a new fire chief", "a row over the marina", "the rising cost of ambulances",
          "a pilot project for electric ferries", "the budget for youth clubs", "a dispute over grazing rights"]
WHEN = ["on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday", "last week",
        "earlier this month", "at a meeting in the evening", "after months of delay",
        "in a letter to residents", "in a statement", "during a heated hearing", "over the weekend",
        "late on Sunday", "in a radio interview", "at the annual meeting", "in a written answer",
        "during a site visit", "in a newspaper column", "on the council's website", "at a packed public meeting",
        "in an email to staff", "before the summer break", "at the start of the week"]
VERBS = ["criticised", "defended", "questioned", "welcomed", "rejected", "supported", "delayed",
         "approved", "described", "investigated", "announced", "opposed", "praised", "reviewed",
         "challenged", "explained", "postponed", "proposed", "discussed", "funded", "mocked", "backed",
         "blocked", "praised loudly", "doubted", "saved", "attacked", "accepted", "ignored", "revived"]
ADJECTIVES = ["costly", "overdue", "controversial", "modest", "ambitious", "unpopular", "urgent",
              "temporary", "expensive", "popular", "long-awaited", "disputed", "risky", "quiet",
              "surprising", "cautious", "generous", "belated", "sudden", "careful"]
CLAUSES = ["because the money had run out", "after complaints from parents", "despite strong objections",
           "although the budget was tight", "as the winter approached", "while the audit continued",
           "until the lawyers had finished", "before the harbour reopened", "since the storm in March",
           "when the figures were published", "as traffic kept growing", "after a tense vote",
           "with support from the county", "against the advice of planners", "to the surprise of many",
           "after years of debate", "without consulting neighbours", "as costs rose sharply",
           "once the contract was signed", "following a police report", "even though turnout was low",
           "unless the state steps in", "as long as the weather holds", "after the ferry was cancelled",
           "so that the school can reopen", "while residents waited for answers", "in spite of a petition",
           "even before the inquiry began", "as the deadline drew closer", "after the engineers objected",
           "because two members were ill", "as fishermen returned to port", "while the mayor was abroad",
           "after the bank raised its rates", "so the road could be widened", "before the snow arrived",
           "after a storm damaged the pier", "as the tourist season began", "when the old contract expired",
           "though few had read the report"]
OPINIONS = ["honestly", "frankly", "sadly", "luckily", "as usual", "once again", "for the record",
            "in my view", "believe me", "to be fair", "if you ask me", "in short"]
COMMENT_FORM = "Leave a comment"


@dataclass
class Page:
    """A document under construction: text plus the spans of what went into it."""

    id: str
    site: str
    transform: str
    original: str | None = None
    parts: list[str] = field(default_factory=list)
    length: int = 0
    provenance: list[tuple[int, int, str, int]] = field(default_factory=list)
    boilerplate: list[tuple[int, int]] = field(default_factory=list)
    segments: list[tuple[int, int]] = field(default_factory=list)

    def add(self, text: str, sep: str = "\n\n") -> tuple[int, int]:
        if self.parts:
            self.parts.append(sep)
            self.length += len(sep)
        start = self.length
        self.parts.append(text)
        self.length += len(text)
        return start, self.length

    def add_boilerplate(self, text: str, sep: str = "\n\n") -> None:
        self.boilerplate.append(self.add(text, sep))

    def add_paragraph(self, text: str, original: str, index: int) -> tuple[int, int]:
        span = self.add(text)
        self.provenance.append((*span, original, index))
        return span

    def add_footer(self) -> None:
        for line in [f"(c) 2026 {self.site}. All rights reserved. Tips to the newsroom: "
                     f"news@{self.site.lower().replace(' ', '')}.example", *GENERIC_FOOTER]:
            self.add_boilerplate(line, "\n")

    @property
    def text(self) -> str:
        return "".join(self.parts)


def _sentence(rng: random.Random) -> str:
    """A news-like sentence whose every few words are drawn at random: unrelated texts made
    this way share stock words and short phrases, never a passage."""
    org = rng.choice(ORGS)
    parts = [
        f"{rng.choice(FIRST)} {rng.choice(LAST)} {rng.choice(VERBS)} {rng.choice(TOPICS)}",
        f"{rng.choice(WHEN)}",
        f"calling it {rng.choice(ADJECTIVES)}" if rng.random() < 0.5 else f"in {rng.choice(PLACES)}",
        f"{rng.choice(CLAUSES)}",
    ]
    rng.shuffle(parts[1:])
    tail = f", and {org} {rng.choice(VERBS)} {rng.randint(2, 900)} {rng.choice(['jobs', 'homes', 'pages', 'metres', 'crowns', 'days'])}" \
        if rng.random() < 0.5 else ""
    return " ".join(parts) + tail + "."


def filler_paragraphs(rng: random.Random, n: int) -> list[str]:
    """Unrelated news paragraphs, 4 to 6 random sentences each."""
    return [" ".join(_sentence(rng) for _ in range(rng.randint(4, 6))) for _ in range(n)]


def comment_thread(rng: random.Random, min_chars: int) -> str:
    lines, size = [], 0
    while size < min_chars:
        body = " ".join(f"{rng.choice(OPINIONS).capitalize()}, {_sentence(rng)}" for _ in range(rng.randint(1, 3)))
        line = f"{rng.choice(FIRST).lower()}{rng.randint(1, 99)} wrote: {body}"
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines)


def light_edit(rng: random.Random, text: str) -> str:
    """A changed word (70% of paragraphs), a typo (50%), typographic quotes."""
    words = text.split(" ")
    if rng.random() < 0.7:
        candidates = [i for i, w in enumerate(words[1:-1], 1) if w.isalpha() and len(w) >= 4]
        if candidates:
            i = rng.choice(candidates)
            words[i] = rng.choice([s for s in SUBSTITUTES if s != words[i]])
    if rng.random() < 0.5:
        candidates = [i for i, w in enumerate(words) if w.isalpha() and len(w) >= 6]
        if candidates:
            i = rng.choice(candidates)
            w = words[i]
            j = rng.randint(1, len(w) - 3)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    text = " ".join(words)
    out, opening = [], True
    for ch in text:
        if ch == '"':
            out.append("“" if opening else "”")
            opening = not opening
        else:
            out.append("’" if ch == "'" else ch)
    return "".join(out)


def ocr_noise(rng: random.Random, text: str, rate: float = 0.015) -> str:
    out = []
    for ch in text:
        if ch.isalpha() and rng.random() < rate:
            out.append(OCR_CONFUSIONS.get(ch.lower(), ""))
        else:
            out.append(ch)
    return "".join(out)


def build(originals: dict[str, str], rng: random.Random, n_unrelated: int,
          fillers: list[list[str]] | None = None) -> list[Page]:
    """All pages: each original with its reuses, then unrelated pages.

    ``fillers``: unrelated articles (lists of paragraphs), each used at most once, in place of
    the generated ones.
    """
    pages: list[Page] = []
    pool = list(fillers or [])

    def unrelated(n: int) -> list[str]:
        return pool.pop() if pool else filler_paragraphs(rng, n)

    transforms = ["ocr", "lead_excerpt", "middle_excerpt", "tail_excerpt", "comments_page", "glued", "quoted"]
    for name, body in originals.items():
        paras = [p.strip() for p in body.split("\n\n") if p.strip()]
        sites = rng.sample(SITES, len(SITES))
        chosen = ["original", "copy_edit"] + rng.sample(transforms, 5)
        for transform, site in zip(chosen, sites):
            page = Page(f"{name}-{transform}", site, transform, name)
            make_reuse(page, paras, rng, unrelated)
            pages.append(page)
    for i in range(n_unrelated):
        page = Page(f"page-{i:03d}", rng.choice(SITES), "filler")
        page.add(f"Local news from {rng.choice(PLACES)}")
        for p in unrelated(rng.randint(3, 6)):
            page.add(p)
        if rng.random() < 0.4:
            page.add_boilerplate(COMMENT_FORM)
            page.add(comment_thread(rng, rng.randint(400, 1500)))
        page.add_footer()
        pages.append(page)
    return pages


def make_reuse(page: Page, paras: list[str], rng: random.Random, unrelated) -> None:
    name, transform, n = page.original, page.transform, len(paras)
    headline = f"{page.site}: {name.capitalize()} report ({transform.replace('_', ' ')})"
    if transform == "original":
        page.add(headline)
        for i, p in enumerate(paras):
            page.add_paragraph(p, name, i)
    elif transform == "copy_edit":
        page.add(f"Updated: {name} - what we know so far")
        for i, p in enumerate(paras):
            page.add_paragraph(light_edit(rng, p), name, i)
    elif transform == "ocr":
        page.add(f"ARCHIVE SCAN {rng.randint(1000, 9999)}")
        for i, p in enumerate(paras):
            page.add_paragraph(ocr_noise(rng, p), name, i)
        return  # a scan carries no site footer
    elif transform.endswith("_excerpt"):
        size = rng.randint(1, 3)
        first = {"lead_excerpt": 0, "tail_excerpt": n - size}.get(transform, rng.randint(1, n - size - 1))
        page.add_boilerplate(f"From our partners at {rng.choice(SITES)}:")
        for i in range(first, first + size):
            page.add_paragraph(light_edit(rng, paras[i]) if rng.random() < 0.3 else paras[i], name, i)
        page.add_boilerplate("Read the full story on the partner site.")
    elif transform == "comments_page":
        page.add(headline)
        for i in range(rng.randint(2, 3)):
            page.add_paragraph(paras[i], name, i)
        page.add_boilerplate(COMMENT_FORM)
        page.add(comment_thread(rng, rng.randint(2500, 3500)))
    elif transform == "glued":
        start = page.add(headline)[0]
        for i, p in enumerate(paras):
            end = page.add_paragraph(light_edit(rng, p), name, i)[1]
        page.segments.append((start, end))
        other = page.add(f"Also today: news from {rng.choice(PLACES)}")[0]
        for p in unrelated(5):
            end = page.add(p)[1]
        page.segments.append((other, end))
    elif transform == "quoted":
        filler = unrelated(5)
        while len(filler) < 3:
            filler = filler + filler_paragraphs(rng, 1)
        page.add(f"Opinion: what {name} means for {rng.choice(PLACES)}")
        page.add(filler[0])
        page.add(filler[1])
        first = rng.randint(0, n - 2)
        for i in range(first, first + 2):
            page.add_paragraph(light_edit(rng, paras[i]), name, i)
        for p in filler[2:]:
            page.add(p)
    else:
        raise ValueError(f"unknown transform {transform}")
    page.add_footer()


def gold_pairs(pages: list[Page]) -> list[dict]:
    """Maximal runs of consecutive shared paragraphs for every pair of pages sharing any."""
    by_original: dict[str, list[Page]] = {}
    for p in pages:
        if p.original:
            by_original.setdefault(p.original, []).append(p)
    gold = []
    for group in by_original.values():
        for x, y in combinations(group, 2):
            if y.id < x.id:
                x, y = y, x
            passages = shared_runs(x, y)
            if passages:
                c_a = gold_containment(x, [p["a"] for p in passages])
                c_b = gold_containment(y, [p["b"] for p in passages])
                gold.append({"a": x.id, "b": y.id, "kind": gold_kind(c_a, c_b), "transforms": [x.transform, y.transform],
                             "containment_a": round(c_a, 4), "containment_b": round(c_b, 4), "passages": passages})
    return sorted(gold, key=lambda g: (g["a"], g["b"]))


def gold_containment(page: Page, spans: list[list[int]]) -> float:
    """Covered share of the page's article characters (boilerplate blanked; not space or
    newline), within the segments the spans touch when the page has segments."""
    text = list(page.text)
    for s, e in page.boilerplate:
        text[s:e] = " " * (e - s)
    covered = set()
    for s, e in spans:
        covered.update(range(s, e))
    scope = set(covered)
    for s, e in page.segments or [(0, len(text))]:
        if not page.segments or covered & set(range(s, e)):
            scope.update(range(s, e))
    article = {i for i in scope if text[i] not in " \n"}
    return len(article & covered) / len(article)


def gold_kind(c_a: float, c_b: float) -> str:
    """The kind rule of the issue, with the documented default thresholds (0.9, 0.8)."""
    if min(c_a, c_b) >= 0.9:
        return "near_duplicate"
    return "excerpt" if max(c_a, c_b) >= 0.8 else "shared_passages"


def shared_runs(x: Page, y: Page) -> list[dict]:
    where_y = {(o, i): k for k, (_, _, o, i) in enumerate(y.provenance)}
    runs: list[list[tuple[int, int]]] = []
    prev = None
    for kx, (_, _, o, i) in enumerate(x.provenance):
        ky = where_y.get((o, i))
        if ky is None:
            prev = None
            continue
        if prev is not None and prev == (kx - 1, ky - 1):
            runs[-1].append((kx, ky))
        else:
            runs.append([(kx, ky)])
        prev = (kx, ky)
    return [{"a": [x.provenance[r[0][0]][0], x.provenance[r[-1][0]][1]],
             "b": [y.provenance[r[0][1]][0], y.provenance[r[-1][1]][1]]} for r in runs]


def records(originals: dict[str, str] = ORIGINALS, seed: int = SEED, n_unrelated: int = 60,
            fillers: list[list[str]] | None = None) -> tuple[list[dict], list[dict]]:
    """The corpus as JSON records: ``(docs, gold)``."""
    rng = random.Random(seed)
    pages = build(originals, rng, n_unrelated, fillers)
    docs = [{"id": p.id, "text": p.text, "source": p.site, "transform": p.transform, "original": p.original,
             "boilerplate": [list(s) for s in p.boilerplate], "segments": [list(s) for s in p.segments]}
            for p in pages]
    return docs, gold_pairs(pages)


def main() -> None:
    docs, gold = records()
    with open(HERE / "docs.jsonl", "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    with open(HERE / "gold.jsonl", "w", encoding="utf-8") as f:
        for g in gold:
            f.write(json.dumps(g) + "\n")
    print(f"{len(docs)} documents, {len(gold)} gold pairs in {HERE}")


if __name__ == "__main__":
    main()
