"""The lineage corpus: outlets publishing real article text, and who reuses whom, with gold.

Built at run time from the gold article bodies of the scrapinghub benchmark
(``../shared/data/scrapinghub_article_extraction_benchmark/ground-truth.json``, never copied
into the repository), split in two halves by article id: ``train`` (used to choose the
thresholds of :class:`copydesk.lineage.LineageConfig`) and ``test`` (held out, the gates), each
with its own outlets:

- six ordinary outlets each publish their own articles (80% dated, some to the day only);
- a content farm reposts outlets' articles 2-30 hours later with its own furniture, crediting
  the outlet 40% of the time; a quarter of its reposts carry no ``published`` field, half of
  those print a date stamp in their title line instead;
- an aggregator posts the first paragraphs 0.5-8 hours later with a "read the full story at"
  line (80%; the rest bare excerpts);
- three syndication relations between ordinary outlets: light edits (a sentence dropped, a few
  words changed), 3-48 hours later, crediting 30% of the time, a quarter undated;
- wire stories (AFP, Reuters dateline credits) printed by two outlets within four hours.

Every original is reused by at most one republisher, so a derived pair's gold direction is
unambiguous; wire prints are siblings (neither derived).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

__all__ = ["GROUND_TRUTH_SHA256", "OUTLETS", "build", "load_articles"]

GROUND_TRUTH_SHA256 = "512e9a9498912047a966e22f47302e849dfa45dca1f555d97588317dac7e5a3d"

OUTLETS = {
    "train": {
        "ordinary": [("www.northshore-tribune.com", "Northshore Tribune"), ("www.coastal-post.co.uk", "The Coastal Post"),
                     ("metrodaily.com", "Metro Daily"), ("www.valley-gazette.org", "Valley Gazette"),
                     ("harbourtimes.net", "Harbour Times"), ("www.capital-ledger.com", "Capital Ledger")],
        "farm": ("www.viral-news-now.info", "Viral News Now"),
        "aggregator": ("newsroundup.net", "News Roundup"),
    },
    "test": {
        "ordinary": [("www.riverside-herald.com", "Riverside Herald"), ("www.eastern-chronicle.co.uk", "Eastern Chronicle"),
                     ("citybeacon.org", "City Beacon"), ("www.highland-courier.com", "Highland Courier"),
                     ("lakeside-observer.net", "Lakeside Observer"), ("www.national-record.com", "The National Record")],
        "farm": ("www.trending-stories-daily.info", "Trending Stories Daily"),
        "aggregator": ("www.headline-digest.com", "Headline Digest"),
    },
}

_SWAPS = [("said", "stated"), ("says", "states"), ("however", "but"), ("also", "additionally"), ("people", "individuals"),
          ("big", "large"), ("many", "numerous"), ("about", "around"), ("before", "prior to"), ("show", "indicate")]
_AGENCY_DATELINE = re.compile(r"\((AP|AFP|Reuters)\)\s*[-–—]")
_CITIES = ["PARIS", "LONDON", "BRUSSELS", "GENEVA", "WASHINGTON", "TOKYO", "NAIROBI", "MADRID"]


def load_articles(shared_data: Path) -> tuple[dict[str, str], str]:
    """Article bodies of at least 1,500 characters and five paragraphs, by id; and the file's digest."""
    path = shared_data / "scrapinghub_article_extraction_benchmark" / "ground-truth.json"
    data = path.read_bytes()
    gold = json.loads(data)
    bodies = {k: v["articleBody"].strip() for k, v in gold.items()}
    return ({k: b for k, b in sorted(bodies.items()) if len(b) >= 1500 and b.count("\n") >= 4},
            hashlib.sha256(data).hexdigest())


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]


def _stamp(t: datetime, day_only: bool = False) -> str:
    return t.date().isoformat() if day_only else t.isoformat(timespec="seconds")


def _light_edit(text: str, rng: random.Random) -> str:
    paras = _paragraphs(text)
    if len(paras) > 5:
        del paras[rng.randrange(2, len(paras))]
    out = "\n\n".join(paras)
    for old, new in rng.sample(_SWAPS, 4):
        out = re.sub(rf"\b{old}\b", new, out, count=2)
    return out


def _headline(text: str) -> str:
    first = _paragraphs(text)[0]
    words = first.split()[:9]
    return " ".join(words).rstrip(".,;:") + "..."


def build(articles: dict[str, str], split: str, seed: int = 7) -> tuple[list[dict], dict]:
    """The corpus of one split and its gold.

    Args:
        articles: Article bodies by id (:func:`load_articles`).
        split: ``train`` (articles whose id hash is even) or ``test`` (odd).
        seed: Random seed.

    Returns:
        JSONL records (``id``, ``text``, ``source``, ``url``, maybe ``published``) and the gold:
        ``derived`` ``[copy id, original id, kind of reuse]``, ``siblings`` ``[id, id, agency]``,
        ``republishers`` and ``ordinary`` (outlet hosts).
    """
    rng = random.Random(f"{split}-{seed}")
    parity = 0 if split == "train" else 1
    ids = [k for k in articles if int(hashlib.sha256(k.encode()).hexdigest(), 16) % 2 == parity]
    rng.shuffle(ids)
    cfg = OUTLETS[split]
    ordinary = cfg["ordinary"]
    farm, aggregator = cfg["farm"], cfg["aggregator"]
    base = datetime(2024, 3, 1, tzinfo=timezone.utc)
    records: list[dict] = []
    gold: dict = {"derived": [], "siblings": [], "republishers": [farm[0], aggregator[0]],
                  "ordinary": [h for h, _ in ordinary]}

    def add(host: str, slug: str, text: str, when: datetime | None, day_only: bool = False) -> str:
        doc_id = f"{host}/{slug}"
        record = {"id": doc_id, "text": text, "source": host, "url": f"https://{host}/news/{slug}.html"}
        if when is not None:
            record["published"] = _stamp(when, day_only)
        records.append(record)
        return doc_id

    # Articles that are already agency copy (a "(AP) -" dateline) can only be wire stories: two
    # outlets printing one are siblings, whatever their dates.
    natural = [k for k in ids if _AGENCY_DATELINE.search(articles[k][:300])]
    plain = [k for k in ids if k not in natural]
    n_wire = 6
    wire = natural + plain[: max(0, n_wire - len(natural))]
    own = [k for k in plain if k not in wire]
    for k, art in enumerate(wire):
        given = _AGENCY_DATELINE.search(articles[art][:300])
        agency = given.group(1) if given else ("AFP" if k % 2 == 0 else "Reuters")
        city = _CITIES[k % len(_CITIES)]
        t0 = base + timedelta(days=rng.uniform(0, 50))
        hosts = rng.sample(ordinary, 2)
        prints = []
        for j, (host, _) in enumerate(hosts):
            paras = _paragraphs(articles[art])
            if not given:
                paras[0] = (f"{city} ({agency}) - " if agency == "AFP" or j == 0 else "(Reuters) - ") + paras[0]
            if j == 1:
                paras = paras + [f"Copyright {t0.year} {agency}."]
            prints.append(add(host, f"wire-{art[:10]}", "\n\n".join(paras), t0 + timedelta(hours=rng.uniform(0, 4))))
        gold["siblings"].append([*sorted(prints), agency])
    # Originals: round-robin over the ordinary outlets.
    originals = []
    for k, art in enumerate(own):
        host, name = ordinary[k % len(ordinary)]
        dated = rng.random() < 0.8
        t0 = base + timedelta(days=rng.uniform(0, 50), hours=rng.uniform(6, 20))
        day_only = dated and rng.random() < 0.15
        doc = add(host, f"story-{art[:10]}", articles[art], t0 if dated else None, day_only)
        originals.append((doc, art, host, name, t0))
    rng.shuffle(originals)
    n = len(originals)
    n_farm, n_agg, n_synd = round(n * 0.22), round(n * 0.18), round(n * 0.2)
    relations = [(ordinary[1], ordinary[0]), (ordinary[3], ordinary[2]), (ordinary[5], ordinary[4])]
    for k, (doc, art, host, name, t0) in enumerate(originals[: n_farm + n_agg + n_synd]):
        text = articles[art]
        if k < n_farm:
            when = t0 + timedelta(hours=rng.uniform(2, 30))
            body = "Trending now\n\n" + _light_edit(text, rng) if rng.random() < 0.5 else "Trending now\n\n" + text
            if rng.random() < 0.4:
                body += rng.choice([f"\n\nSource: {name}", f"\n\nThis article first appeared in {name}."])
            body += "\n\nShare this story: Facebook | Twitter | Email"
            dated = rng.random() >= 0.25
            if not dated and rng.random() < 0.5:
                body = f"{_headline(text)} | {when.strftime('%Y-%m-%d %H:%M:%S')}\n\n" + body
            copy = add(farm[0], f"post-{art[:10]}", body, when if dated else None)
            gold["derived"].append([copy, doc, "farm"])
        elif k < n_farm + n_agg:
            when = t0 + timedelta(hours=rng.uniform(0.5, 8))
            paras = _paragraphs(text)
            excerpt = []
            while paras and sum(map(len, excerpt)) < 600:
                excerpt.append(paras.pop(0))
            body = "\n\n".join(excerpt)
            if rng.random() < 0.8:
                body += rng.choice([f"\n\nRead the full story at {host}", f"\n\nRead the full article at {name}."])
            copy = add(aggregator[0], f"brief-{art[:10]}", body, when if rng.random() >= 0.25 else None)
            gold["derived"].append([copy, doc, "aggregator"])
        else:
            if host not in {g[0] for _, g in relations}:
                continue
            taker = next(t for t, g in relations if g[0] == host)
            when = t0 + timedelta(hours=rng.uniform(3, 48))
            body = _light_edit(text, rng)
            if rng.random() < 0.3:
                body += f"\n\nThis story first appeared in {name}."
            copy = add(taker[0], f"syndicated-{art[:10]}", body, when if rng.random() >= 0.25 else None)
            gold["derived"].append([copy, doc, "syndication"])
    records.sort(key=lambda r: r["id"])
    return records, gold


def evaluate(matches: list[dict], outlets: list[dict], gold: dict) -> dict:
    """Direction figures of a run's ``matches.jsonl`` and ``outlets.jsonl`` records against the gold.

    Returns:
        ``derived_pairs``, ``found`` (a match exists), ``given`` (a direction claimed), ``right``,
        ``given_share`` (of all derived pairs), ``precision`` (right / given), ``siblings_ordered``,
        ``derived_share`` per outlet, and ``bases`` (how many given per basis).
    """
    by_pair = {(m["a"], m["b"]): m for m in matches}
    found = given = right = 0
    bases: dict[str, int] = {}
    wrong = []
    for copy, orig, _ in gold["derived"]:
        m = by_pair.get(tuple(sorted((copy, orig))))
        if m is None:
            continue
        found += 1
        if m["derived"] is not None:
            given += 1
            bases[m["direction_basis"]] = bases.get(m["direction_basis"], 0) + 1
            right += m["derived"] == copy
            if m["derived"] != copy:
                wrong.append((copy, orig, m["direction_basis"]))
    ordered = sum(1 for a, b, _ in gold["siblings"] if (m := by_pair.get((a, b))) is not None and m["derived"] is not None)
    siblings_found = sum(1 for a, b, _ in gold["siblings"] if (a, b) in by_pair)
    n = len(gold["derived"])
    return {"derived_pairs": n, "found": found, "given": given, "right": right, "given_share": given / n,
            "precision": right / given if given else 0.0, "siblings": len(gold["siblings"]),
            "siblings_found": siblings_found, "siblings_ordered": ordered,
            "derived_share": {o["outlet"]: o["derived_share"] for o in outlets}, "bases": bases, "wrong": wrong}
