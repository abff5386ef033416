"""Realistic plain-text pages rendered from real HTML, each line labelled (issue 13).

Scrapers that do not extract an article print *all* visible text of a page, one block element a
line: menus, breadcrumbs, captions, share rows, related links, comment threads and footers around
the article. This module renders the real pages of ``../shared/data`` that way and aligns every
line back to the page's gold article, so each line gets a label:

- ``article``: most of the line's word 4-grams (or, for a short line inside the article region,
  its words in order) are in the gold article body;
- ``title``: the page's headline (its ``<h1>`` or ``<title>`` head) above the article region;
- ``caption``: text of a ``<figcaption>`` or of an element whose class or id says caption, when
  the gold does not keep it;
- ``comment``: on pages where trafilatura's ``include_comments`` finds a comment thread, lines of
  that thread (inside a comment-classed element, or found in the text trafilatura returns as
  comments);
- ``furniture``: everything else.

Sources and gold: scrapinghub's 181 pages (``articleBody``), cleanportaleval's 71 pages
(``GoldStandard``) and trafilatura's 990-page evaluation set. The last has no gold article; its
pages give comment threads only, with trafilatura's own extraction (no comments) as a *silver*
article (said wherever a figure uses it).

Derived pages (the shapes of issue 13):

- *two-article pages*: page A's text, blank lines, then page B (the whole rendered page, or its
  title and article only, as feed scrapers join two items), both from one split; the true
  boundary is B's first title-or-article line;
- *repeated captions*: a page with a caption has it printed two or three times at the top (as
  gallery scrapers do).

Split: by site (URL host, ``www.`` dropped): a host is held out when the first byte of
``sha256(host)`` is below 77 (30 %). Nothing from a held-out host fits or tunes anything.

The rendered set is cached outside the repository (``$COPYDESK_PAGES_CACHE``, default
``/tmp/copydesk_pages_cache``), keyed by the digests of the input files
(:data:`DATA_DIGESTS` pins them).

Run: ``python benchmarks/pages.py`` prints the set's sizes and digests.
"""

from __future__ import annotations

import gzip
import hashlib
import html as html_lib
import json
import os
import random
import re
import sys
import tarfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
CACHE = Path(os.environ.get("COPYDESK_PAGES_CACHE", "/tmp/copydesk_pages_cache"))
LABELS = ("article", "furniture", "comment", "caption", "title")
HELD_OUT_BELOW = 77  # first byte of sha256(host) < 77: 30 % of hosts held out
RENDER_VERSION = "1"
# A page enters the set when its article-labelled lines hold at least this share of the gold's
# characters; below, the article was loaded by script or paywalled and the page holds no article.
MIN_COVERAGE = 0.6
# A page of trafilatura's set is a comment page when at least this many of its lines are comments.
MIN_COMMENT_LINES = 4

# sha256 of the input files the set is rendered from (the gates pin these).
DATA_FILES = (
    "scrapinghub_article_extraction_benchmark/ground-truth.json",
    "scrapinghub_article_extraction_benchmark/html",
    "cleanportaleval/GoldStandard",
    "cleanportaleval/input",
    "trafilatura_eval/evaldata.json",
    "trafilatura_eval/html_eval_and_cache.tar.gz",
)

_WORD = re.compile(r"\w+")
_WS = re.compile(r"\s+")

_DROP = {"script", "style", "noscript", "template", "svg", "head", "iframe", "object", "embed", "canvas",
         "select", "option", "button", "input", "textarea", "map", "video", "audio", "picture", "source"}
_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "table", "tr", "td", "th",
          "section", "article", "header", "footer", "nav", "aside", "figure", "figcaption", "blockquote",
          "pre", "br", "hr", "form", "dl", "dt", "dd", "main", "address", "caption", "tbody", "thead",
          "center", "fieldset", "legend", "details", "summary", "body", "html", "label"}
_CAPTION = re.compile(r"caption|credit", re.I)
_COMMENT = re.compile(r"comment|disqus|respon[sd]|reply|replies|discussion", re.I)
_NOT_COMMENT = re.compile(r"no-?comments?|comment-?count|comments?-?link|comment-?form|respond|reply-title", re.I)


# ------------------------------------------------------------ rendering -------------------------

@dataclass(frozen=True)
class Rendered:
    """A rendered page: its lines (whitespace collapsed) and DOM hints per line."""

    lines: tuple[str, ...]
    caption: tuple[bool, ...]
    comment: tuple[bool, ...]
    title: str


def render(raw: str) -> Rendered:
    """All visible text of an HTML page, one block element a line (as plain scrapers print it)."""
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.document_fromstring(raw)
    except (etree.ParserError, ValueError):
        return Rendered((), (), (), "")
    title_el = root.find(".//title")
    title = _WS.sub(" ", title_el.text_content()).strip() if title_el is not None else ""
    h1 = root.find(".//h1")
    if h1 is not None and h1.text_content().strip():
        title = _WS.sub(" ", h1.text_content()).strip()
    out: list[tuple[str, bool, bool]] = []
    cur: list[str] = []
    flags = [False, False]

    def flush() -> None:
        text = _WS.sub(" ", "".join(cur)).strip()
        if text:
            out.append((text, flags[0], flags[1]))
        cur.clear()

    def walk(el, caption: bool, comment: bool) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag:  # comment or processing instruction: only its tail is text
            if el.tail:
                cur.append(el.tail)
            return
        tag = tag.lower()
        if tag in _DROP:
            if el.tail:
                cur.append(el.tail)
            return
        attrs = f"{el.get('class', '')} {el.get('id', '')}"
        caption = caption or tag in ("figcaption", "caption") or bool(_CAPTION.search(attrs))
        comment = comment or (bool(_COMMENT.search(attrs)) and not _NOT_COMMENT.search(attrs))
        block = tag in _BLOCK
        if block:
            flush()
        if el.text:
            if not cur:
                flags[0], flags[1] = caption, comment
            cur.append(el.text)
        for child in el:
            walk(child, caption, comment)
            if not cur:
                flags[0], flags[1] = caption, comment
        if block:
            flush()
        if el.tail:
            cur.append(el.tail)

    body = root.find(".//body")
    walk(body if body is not None else root, False, False)
    flush()
    return Rendered(tuple(t for t, _, _ in out), tuple(c for _, c, _ in out), tuple(m for _, _, m in out), title)


# ------------------------------------------------------------ labelling -------------------------

def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _grams(tokens: list[str], n: int = 4) -> set[tuple[str, ...]]:
    return {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}


def label_lines(page: Rendered, gold: str, comments: str = "") -> list[str]:
    """One label of :data:`LABELS` per line of ``page``, from the gold article (and comments)."""
    gold_tokens = _tokens(gold)
    gold_grams = _grams(gold_tokens)
    gold_joined = " " + " ".join(gold_tokens) + " "
    com_tokens = _tokens(comments)
    com_grams = _grams(com_tokens)
    com_joined = " " + " ".join(com_tokens) + " "
    labels = []
    long_article = []
    for i, line in enumerate(page.lines):
        toks = _tokens(line)
        lab = "furniture"
        if len(toks) >= 4:
            grams = _grams(toks)
            if sum(g in gold_grams for g in grams) >= 0.5 * len(grams):
                lab = "article"
                long_article.append(i)
            elif com_grams and sum(g in com_grams for g in grams) >= 0.5 * len(grams):
                lab = "comment"
        labels.append(lab)
    if long_article:
        lo, hi = long_article[0], long_article[-1]
        for i, line in enumerate(page.lines):
            toks = _tokens(line)
            if labels[i] != "furniture" or not toks:
                continue
            if len(toks) < 4 and lo <= i <= hi and f" {' '.join(toks)} " in gold_joined:
                labels[i] = "article"
    title_toks = _tokens(page.title)
    for i, line in enumerate(page.lines):
        if labels[i] != "furniture":
            continue
        toks = _tokens(line)
        if (page.comment[i] and com_tokens) or (com_tokens and 0 < len(toks) < 4 and f" {' '.join(toks)} " in com_joined
                                                 and page.comment[i]):
            labels[i] = "comment"
        elif page.caption[i] and len(toks) >= 3:
            labels[i] = "caption"
        elif title_toks and toks and toks == title_toks[: len(toks)] and len(toks) >= 3 and (
            not long_article or i < long_article[0]
        ):
            labels[i] = "title"
    return labels


# ------------------------------------------------------------ sources ---------------------------

def host_of(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def held_out(host: str) -> bool:
    """Whether ``host`` is in the held-out split (pinned: first byte of its sha256 below 77)."""
    return hashlib.sha256(host.encode()).digest()[0] < HELD_OUT_BELOW


def _cleaneval_gold(raw: str) -> str:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from realtext import cleaneval_text

    return cleaneval_text(raw)


def _trafilatura(raw: str) -> tuple[str, str]:
    """``(article, comments)`` as trafilatura extracts them (comments empty when none)."""
    import trafilatura

    art = trafilatura.extract(raw, include_comments=False, include_tables=True) or ""
    both = trafilatura.extract(raw, include_comments=True, include_tables=True) or ""
    comments = both[len(art):] if both.startswith(art[:200]) else ""
    return art, comments.strip()


def _one(job: tuple[str, str, str, str]) -> dict | None:
    """Render and label one page: ``(set, name, url, gold or '' for silver)``."""
    kind, name, url, gold = job
    raw = _read_html(kind, name)
    if raw is None:
        return None
    page = render(raw)
    if not page.lines:
        return None
    art, comments = _trafilatura(raw)
    silver = not gold
    labels = label_lines(page, gold or art, comments)
    if silver and not any(lab == "comment" for lab in labels):
        return None  # trafilatura's set contributes its comment-thread pages only
    host = host_of(url)
    return {
        "set": kind, "name": name, "url": url, "host": host, "held_out": held_out(host), "silver": silver,
        "lines": list(page.lines), "labels": labels, "trafilatura": art,
        "has_comments": any(lab == "comment" for lab in labels),
        "coverage": sum(len(ln) for ln, lab in zip(page.lines, labels) if lab == "article") / max(1, len(gold or art)),
    }


_TAR_DIR: Path | None = None


def _read_html(kind: str, name: str) -> str | None:
    if kind == "scrapinghub":
        p = DATA / "scrapinghub_article_extraction_benchmark" / "html" / f"{name}.html.gz"
        return gzip.decompress(p.read_bytes()).decode("utf-8", errors="replace") if p.exists() else None
    if kind == "cleanportaleval":
        p = DATA / "cleanportaleval" / "input" / f"{name}.html"
        return p.read_bytes().decode("utf-8", errors="replace") if p.exists() else None
    p = _unpacked() / name
    return p.read_bytes().decode("utf-8", errors="replace") if p.exists() else None


def _unpacked() -> Path:
    """trafilatura's pages, unpacked once into the cache folder (never into the repository)."""
    target = CACHE / "trafilatura_html"
    done = target / ".done"
    if not done.exists():
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(DATA / "trafilatura_eval" / "html_eval_and_cache.tar.gz") as tar:
            members = [m for m in tar.getmembers() if m.isfile() and m.name.startswith("eval/")]
            tar.extractall(target, members=members, filter="data")
        done.write_text("ok")
    return target


def _jobs() -> Iterator[tuple[str, str, str, str]]:
    gt = json.loads((DATA / "scrapinghub_article_extraction_benchmark" / "ground-truth.json").read_text())
    for key, rec in sorted(gt.items()):
        yield "scrapinghub", key, rec.get("url", ""), (rec.get("articleBody") or "").strip()
    for p in sorted((DATA / "cleanportaleval" / "GoldStandard").glob("*.txt")):
        raw = p.read_text(errors="replace")
        url = raw.splitlines()[0][4:].strip() if raw.startswith("URL:") else ""
        yield "cleanportaleval", p.stem, url, _cleaneval_gold(raw)
    ev = json.loads((DATA / "trafilatura_eval" / "evaldata.json").read_text())
    for url, rec in sorted(ev.items()):
        yield "trafilatura", "eval/" + rec["file"], url, ""


def data_digests() -> dict[str, str]:
    """sha256 of each input file (a folder: of its files' names and bytes, sorted)."""
    out = {}
    for rel in DATA_FILES:
        p = DATA / rel
        h = hashlib.sha256()
        if p.is_dir():
            for f in sorted(p.iterdir()):
                h.update(f.name.encode())
                h.update(f.read_bytes())
        elif p.exists():
            h.update(p.read_bytes())
        else:
            out[rel] = "missing"
            continue
        out[rel] = h.hexdigest()
    return out


def data_present() -> bool:
    return all((DATA / rel).exists() for rel in DATA_FILES)


def load_pages(workers: int = 2) -> list[dict]:
    """Every rendered, labelled page (cached under :data:`CACHE`)."""
    digest = hashlib.sha256(json.dumps(data_digests(), sort_keys=True).encode() + RENDER_VERSION.encode()).hexdigest()
    cached = CACHE / f"pages-{digest[:16]}.json.gz"
    if cached.exists():
        return json.loads(gzip.decompress(cached.read_bytes()))
    jobs = list(_jobs())
    _unpacked()
    with ProcessPoolExecutor(workers) as pool:
        pages = [p for p in pool.map(_one, jobs, chunksize=8) if p is not None]
    CACHE.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(gzip.compress(json.dumps(pages).encode()))
    return pages


# ------------------------------------------------------------ derived pages ---------------------

@dataclass(frozen=True)
class Page:
    """One plain-text page for the model: lines, labels, and where a second article starts."""

    name: str
    host: str
    held_out: bool
    lines: tuple[str, ...]
    labels: tuple[str, ...]
    boundary: int | None = None  # index of the second article's first line
    first_end: int | None = None  # index of the first article's last article line
    kind: str = "page"  # page | two_articles | captions | comments

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _article_only(p: dict) -> tuple[list[str], list[str]]:
    keep = [(ln, lab) for ln, lab in zip(p["lines"], p["labels"]) if lab in ("article", "title")]
    return [k[0] for k in keep], [k[1] for k in keep]


def build_pages(pages: list[dict], seed: int = 13) -> list[Page]:
    """The page set: every gold page, the comment pages, two-article and repeated-caption pages."""
    rng = random.Random(seed)
    out: list[Page] = []
    for p in pages:
        if not any(lab == "article" for lab in p["labels"]) or p["coverage"] < MIN_COVERAGE:
            continue  # the rendered page does not hold its article (a script-loaded or paywalled body)
        if p["silver"] and sum(lab == "comment" for lab in p["labels"]) < MIN_COMMENT_LINES:
            continue  # one or two "comment" lines: trafilatura took a teaser or headline for a comment
        kind = "comments" if p["silver"] else "page"
        out.append(Page(p["name"], p["host"], p["held_out"], tuple(p["lines"]), tuple(p["labels"]), kind=kind))
    gold = [p for p in pages if not p["silver"] and p["coverage"] >= MIN_COVERAGE
            and sum(lab == "article" for lab in p["labels"]) >= 3]
    for split in (False, True):
        pool = [p for p in gold if p["held_out"] == split]
        rng.shuffle(pool)
        for a, b in zip(pool[0::2], pool[1::2]):
            if a["host"] == b["host"]:
                continue
            whole = rng.random() < 0.5
            if whole:
                la, ba = list(a["lines"]), list(a["labels"])
                lb, bb = list(b["lines"]), list(b["labels"])
            else:
                la, ba = _article_only(a)
                lb, bb = _article_only(b)
            first_b = next(i for i, lab in enumerate(bb) if lab in ("article", "title"))
            last_a = max(i for i, lab in enumerate(ba) if lab == "article")
            lines = la + [""] * rng.choice((1, 2)) + lb
            labels = ba + ["furniture"] * (len(lines) - len(la) - len(lb)) + bb
            out.append(Page(f"{a['name']}+{b['name']}", a["host"], split, tuple(lines), tuple(labels),
                            boundary=len(lines) - len(lb) + first_b, first_end=last_a, kind="two_articles"))
        for p in pool:
            caps = [ln for ln, lab in zip(p["lines"], p["labels"]) if lab == "caption"]
            if not caps:
                continue
            cap = caps[0]
            times = rng.choice((2, 3))
            lines = [cap] * times + list(p["lines"])
            labels = ["caption"] * times + list(p["labels"])
            out.append(Page(p["name"] + "#captions", p["host"], split, tuple(lines), tuple(labels), kind="captions"))
    return out


if __name__ == "__main__":
    pages = load_pages()
    built = build_pages(pages)
    from collections import Counter

    print(json.dumps(data_digests(), indent=1))
    print(Counter((p.kind, p.held_out) for p in built))
    print(Counter(lab for p in built for lab in p.labels))
