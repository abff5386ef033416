"""Build the plain-text cleaning corpus: fictional articles wrapped in site furniture, with gold.

Run ``python tests/data/cleaning/make_corpus.py`` to rewrite ``corpus.jsonl`` (deterministic).
Each line of ``corpus.jsonl`` is one document::

    {"id": ..., "source": ... or null, "text": ...,
     "article": [[start, end], ...],   # gold article text (half-open character offsets)
     "segments": [[start, end], ...],  # one span per article on the page
     "furniture": [...]}               # kinds of furniture the page carries

Six invented sites print their own furniture, each phrased its own way (WordPress-style comment
forms, a feed scraper's share labels, a tabloid's duplicated headline and comment thread, ...);
one site's furniture matches no rule at all and can only be learnt from repetition, and a few
pages have no known source. Some articles appear on two sites (copies must keep their text), and
some pages carry a second, unrelated article. Gold: the headline (first printing), paragraphs,
subheadings and a caption's first printing are article; bylines, datelines, counters and every
kind of furniture are not.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent

Line = tuple[str, str]  # (text, "article" | "furniture" | "blank")


def load_articles() -> list[tuple[str, list[str]]]:
    blocks = (HERE / "articles.txt").read_text(encoding="utf-8").split("\n===\n")[1:]
    articles = []
    for block in blocks:
        lines = [ln for ln in block.strip().splitlines() if ln.strip()]
        body = [ln.removeprefix("## ") for ln in lines[1:]]
        articles.append((lines[0], body))
    return articles


def art(text: str) -> Line:
    return (text, "article")


def fur(text: str) -> Line:
    return (text, "furniture")


BLANK: Line = ("", "blank")

NAMES = ["Ana Ruiz", "Tom Keller", "Priya Natarajan", "Jonas Berg", "Maeve O'Connell", "Samuel Adeyemi",
         "Lucia Ferraro", "Daniel Kim", "Hanna Virtanen", "Oliver Grant"]
DATES = ["March 3, 2024", "11 April 2024", "May 19, 2024", "2 June 2024", "July 27, 2024", "14 August 2024",
         "September 8, 2024", "October 30, 2024"]
COMMENTERS = ["mike_r", "GreystoneGran", "J. Patel", "harbourwatcher", "Ellie M", "northside_dave", "R. Lindqvist",
              "plainspeaker", "Bea T.", "oldtimer62"]
COMMENTS = [
    "About time too, this has been dragging on for years and nobody seemed to care.",
    "I drove past there yesterday and did not see anyone working, so I will believe it when I see it.",
    "Does anyone know whether the council published the full report? I could not find it anywhere.",
    "Great news for the town. My kids will be thrilled.",
    "Same story every year. They promise and then the money disappears.",
    "Thanks for covering this, the national papers never mention our area.",
    "My neighbour works there and says it is even worse than the article makes out.",
    "Can we please have an update on the road works on the high street next?",
    "Totally agree with the previous comment.",
    "Who is paying for all of this? Not the people who decided it, that is for sure.",
]


def pick(rng: random.Random, options: list[str]) -> str:
    return rng.choice(options)


def body_lines(body: list[str], paragraph_gap: bool) -> list[Line]:
    out: list[Line] = []
    for p in body:
        out.append(art(p))
        if paragraph_gap:
            out.append(BLANK)
    return out


# --------------------------------------------------------------------------- the sites


def harbour_gazette(rng, headline, body, other):
    """A WordPress site: byline, share row, tags, feed footer, comment form."""
    lines = [art(headline), fur(f"Posted on {pick(rng, DATES)} by {pick(rng, NAMES)}"), BLANK]
    lines += body_lines(body, True)
    lines += [fur("Share this:"), fur("Facebook"), fur("Twitter"), fur("Email"), fur("Print"), BLANK]
    lines += [fur("Related"), fur(f"{pick(rng, ['Ferry fares to rise in autumn', 'Harbour wall repairs delayed again', 'New lifeboat named after local hero'])}"),
              fur(pick(rng, ["Island shops report busy summer", "Fishing quotas cut for second year", "Tide gauge to be replaced"])), BLANK]
    lines += [fur("Tags: " + ", ".join(rng.sample(["harbour", "transport", "island", "council", "local news", "economy"], 3))), BLANK]
    lines += [fur(f"The post {headline} appeared first on Harbour Gazette."), BLANK]
    lines += [fur("Leave a Reply"), fur("Your email address will not be published. Required fields are marked *"),
              fur("Comment *"), fur("Name *"), fur("Email *"), fur("Website"),
              fur("Save my name, email, and website in this browser for the next time I comment."), fur("Post Comment")]
    return [lines]


def valley_herald(rng, headline, body, other):
    """A tabloid: navigation, headline and caption printed twice, font widget, newsletter, comments."""
    subject = " ".join(body[0].split(",")[0].split(" said")[0].rstrip(".").split()[:9])
    caption = pick(rng, ["Pictured above: ", "In the picture: ", "Seen here: "]) + subject[0].lower() + subject[1:] + "."
    lines = [fur("Home | News | Sport | Business | Opinion | Weather"), BLANK]
    lines += [art(headline), art(caption), fur(headline), fur(caption)]
    lines += [fur(f"By {pick(rng, NAMES)}"), fur(f"Updated 14:{rng.randint(10, 59)}, {pick(rng, DATES)}"),
              fur("Text size"), fur("A A A"), fur(f"{rng.randint(2, 90)} comments"), BLANK]
    half = len(body) // 2
    lines += body_lines(body[:half], True)
    lines += [fur(pick(rng, ["Get the Valley Herald morning briefing delivered to your inbox. Sign up here",
                             "Sign up to our free daily newsletter for the top stories from the valley",
                             "Want the headlines first? Subscribe to our newsletter - it's free"])), BLANK]
    lines += body_lines(body[half:], True)
    n = rng.randint(3, 5)
    lines += [fur(f"{n + rng.randint(0, 20)} Comments"), BLANK]
    for k in range(n):
        lines += [fur(f"{pick(rng, COMMENTERS)} says:"), fur(f"{rng.randint(1, 11)} hours ago"),
                  fur(pick(rng, COMMENTS)), fur("Reply"), BLANK]
    return [lines]


def metro_wire(rng, headline, body, other):
    """A feed scraper's output: related links between paragraphs, share labels, hashtags, footer."""
    lines = [art(headline)]
    for k, p in enumerate(body):
        lines.append(art(p))
        if k == 1:
            lines.append(fur(pick(rng, ["Read more: Commuters face fare rise in new year",
                                        "READ MORE: Five things we learned from the budget",
                                        "Related: City plans new tram line to the airport",
                                        "See also: Why house prices keep rising in the suburbs"])))
    lines += [fur(" ".join(rng.sample(["#news", "#local", "#metro", "#breaking", "#community", "#update"], 4)))]
    lines += [fur("Share on Facebook"), fur("Share on Twitter"), fur("Share via Email"), fur("Copy link")]
    lines += [fur(pick(rng, ["This article originally appeared on Metro Wire.",
                             "This story was first published by Metro Wire.",
                             "Originally published at metrowire.example on " + pick(rng, DATES) + "."]))]
    return [lines]


def coastal_beat(rng, headline, body, other):
    """A magazine site: reading widgets, an advert slot, a don't-miss block and a second article."""
    lines = [fur("Skip to content"), fur("Menu"), BLANK, art(headline), BLANK,
             fur(f"{rng.randint(2, 7)} min read"), fur("Listen to this article"), BLANK]
    half = (len(body) + 1) // 2
    lines += body_lines(body[:half], True)
    lines += [fur("Advertisement"), BLANK]
    lines += body_lines(body[half:], True)
    lines += [fur("Don't miss"), fur("The best walks on the coast this winter"),
              fur("Seven seaside cafés worth the drive"), fur("Tide tables for the week ahead"), BLANK]
    segments = [lines]
    if other is not None:
        oh, ob = other
        second = [fur("Next story"), BLANK, art(oh), fur(f"By {pick(rng, NAMES)}"), fur(pick(rng, DATES)), BLANK]
        second += body_lines(ob, True)
        second += [fur("Advertisement")]
        segments.append(second)
    return segments


def northern_post(rng, headline, body, other):
    """A regional daily: inline RELATED links, photo credit, newsletter box, comment thread without heading."""
    lines = [art(headline), fur(f"{pick(rng, NAMES)} | {pick(rng, DATES)}"), BLANK]
    lines += [fur(f"Photo: {pick(rng, ['Northern Post', 'Staff photographer', 'Archive picture'])}")]
    for k, p in enumerate(body):
        lines.append(art(p))
        lines.append(BLANK)
        if k == 0:
            lines += [fur(pick(rng, ["RELATED: Council leader faces no-confidence vote",
                                     "RELATED: Rail strike called off at last minute",
                                     "RELATED: Hospital waiting lists at record high"])), BLANK]
    lines += [fur("Newsletter"), fur("The Northern Post evening edition, straight to your inbox."),
              fur("Enter your email"), fur("By subscribing you agree to our privacy policy and terms of use."),
              fur("Thanks for signing up!"), BLANK]
    n = rng.randint(2, 4)
    for k in range(n):
        lines += [fur(pick(rng, COMMENTERS)), fur(f"{rng.randint(1, 6)} days ago"), fur(pick(rng, COMMENTS)),
                  fur("Like · Reply"), BLANK]
    segments = [lines]
    if other is not None:
        oh, ob = other
        second = [art(oh), fur(f"By {pick(rng, NAMES)}"), BLANK] + body_lines(ob, True)
        segments.append(second)
    return segments


def daily_ledger(rng, headline, body, other):
    """A site whose furniture matches no rule: only repetition across its pages gives it away."""
    lines = [fur("THE DAILY LEDGER — Independent since 1887"), fur("Ledger Plus members read without limits"), BLANK]
    lines += [art(headline), BLANK]
    for k, p in enumerate(body):
        lines.append(art(p))
        lines.append(BLANK)
        if k == 1:
            lines += [fur("Our newsroom relies on readers like you. Become a Ledger Plus member today."), BLANK]
    lines += [fur("Found a mistake? Tell the readers' editor."),
              fur("More from the Ledger's regional desk"),
              fur("Ledger Plus members read without limits"), BLANK]
    return [lines]


def unknown_source(rng, headline, body, other):
    """Pages from an unknown source: common platform furniture, learnt corpus-wide."""
    lines = [art(headline), BLANK] + body_lines(body, True)
    lines += [fur("Share this article"), fur(pick(rng, ["Click to share on Facebook (Opens in new window)",
                                                        "Click to share on X (Opens in new window)"])),
              fur("Like this:"), fur("Loading..."), BLANK]
    return [lines]


# Held-out sites: written after the cleaner's rules were settled on the six sites above, and
# measured without changing the rules for them (the corpus reports both splits).


def riverside_chronicle(rng, headline, body, other):
    """Held out: follow-us line, numbered most-popular list, one-line share row, topics list."""
    lines = [fur(pick(rng, ["Follow us on Instagram and TikTok", "Follow The Riverside Chronicle on social media"])),
             BLANK, art(headline), fur(f"{pick(rng, DATES)} · {rng.randint(3, 9)} min read"), BLANK]
    lines += body_lines(body, True)
    lines += [fur("Facebook Twitter WhatsApp Email"), BLANK, fur("Topics"), fur("Local government"), fur("Environment"),
              BLANK, fur("Most popular"), fur("1. Council tax bills to rise by four percent"),
              fur("2. Missing dog found safe after ten days"), fur("3. New bakery opens on Bridge Street"), BLANK,
              fur("Comments are closed.")]
    return [lines]


def eastside_times(rng, headline, body, other):
    """Held out: photo credit, sponsored block, recommended list, conversation thread, a second article."""
    lines = [art(headline), fur(f"Photograph: {pick(rng, NAMES)}/Eastside Times"), BLANK]
    lines += body_lines(body[:2], True)
    lines += [fur("Sponsored"), fur(pick(rng, ["Why thousands are switching to solar this year",
                                               "This simple trick cuts heating bills in half"])), BLANK]
    lines += body_lines(body[2:], True)
    lines += [fur("Recommended for you"), fur("How the region voted, street by street"),
              fur("Ten years on, the mill town remembers"), BLANK, fur("Join the conversation"), BLANK]
    for k in range(rng.randint(2, 3)):
        lines += [fur(pick(rng, COMMENTERS)), fur(f"{rng.randint(1, 23)} hours ago"), fur(pick(rng, COMMENTS)),
                  fur("Reply · Report"), BLANK]
    lines += [fur("This post originally ran on eastsidetimes.example.")]
    segments = [lines]
    if other is not None:
        oh, ob = other
        second = [fur("UP NEXT"), art(oh), fur(f"Written by {pick(rng, NAMES)}"), BLANK] + body_lines(ob, True)
        segments.append(second)
    return segments


def aggregator(rng, headline, body, other):
    """Held out, unknown source: digest sign-up, hashtag line, copyright footer."""
    lines = [art(headline), BLANK] + body_lines(body, True)
    lines += [fur(pick(rng, ["Sign up for The Morning Digest: our best reporting every weekday.",
                             "Get our weekly roundup in your inbox every Friday. Subscribe now"])),
              fur(" ".join("#" + w for w in rng.sample(["news", "localnews", "region", "update", "today"], 3))),
              fur("Copyright 2024 Regional News Network. All rights reserved.")]
    return [lines]


HELD_OUT = {
    "riversidechronicle.example": riverside_chronicle,
    "eastsidetimes.example": eastside_times,
}


SITES = {
    "harbourgazette.example": harbour_gazette,
    "valleyherald.example": valley_herald,
    "metrowire.example": metro_wire,
    "coastalbeat.example": coastal_beat,
    "northernpost.example": northern_post,
    "dailyledger.example": daily_ledger,
}


def build(lines_per_segment: list[list[Line]]) -> tuple[str, list, list]:
    """The page's text, its gold article spans and one span per article."""
    parts: list[str] = []
    article: list[list[int]] = []
    segments: list[list[int]] = []
    pos = 0
    previous = None  # kind of the previous non-blank line
    for seg in lines_per_segment:
        seg_start = seg_end = None
        for text, kind in seg:
            start = pos
            parts.append(text + "\n")
            pos += len(text) + 1
            if kind == "blank":
                continue
            if kind == "article":
                if previous == "article":
                    article[-1][1] = start + len(text)  # only whitespace lies between
                else:
                    article.append([start, start + len(text)])
                seg_start = start if seg_start is None else seg_start
                seg_end = start + len(text)
            previous = kind
        if seg_start is not None:
            segments.append([seg_start, seg_end])
    return "".join(parts), article, segments


def main(out: Path = HERE / "corpus.jsonl") -> None:
    rng = random.Random(20240604)
    articles = load_articles()
    docs = []
    order = list(range(len(articles)))
    site_names = list(SITES)
    # 6 sites x 6 pages: each page's main article, plus second articles on some pages and two
    # articles copied by a second site
    plan: list[tuple[str | None, int, int | None]] = []
    k = 0
    for round_ in range(6):
        for s, site in enumerate(site_names):
            main_idx = order[k % len(order)]
            k += 1
            other = None
            if site in ("coastalbeat.example", "northernpost.example") and round_ % 2 == 0:
                other = order[(k + 7) % len(order)]
            plan.append((site, main_idx, other))
    # copies: the same story on another site
    plan.append(("metrowire.example", 0, None))
    plan.append(("harbourgazette.example", 4, None))
    plan.append(("dailyledger.example", 9, None))
    for i in range(6):
        plan.append((None, order[(3 * i + 1) % len(order)], None))
    held_out_from = len(plan)
    for i in range(5):
        plan.append(("riversidechronicle.example", order[(5 * i + 2) % len(order)], None))
        plan.append(("eastsidetimes.example", order[(5 * i + 3) % len(order)],
                     order[(5 * i + 11) % len(order)] if i % 2 == 0 else None))
    for i in range(3):
        plan.append((None, order[(7 * i + 5) % len(order)], -1))
    for n, (site, main_idx, other_idx) in enumerate(plan):
        headline, body = articles[main_idx]
        held_out = n >= held_out_from
        other = articles[other_idx] if other_idx is not None and other_idx >= 0 else None
        if held_out:
            maker = HELD_OUT[site] if site else aggregator
        else:
            maker = SITES[site] if site else unknown_source
        segs = maker(rng, headline, body, other)
        text, article, segments = build(segs)
        docs.append({
            "id": f"{(site or ('aggregator' if held_out else 'unknown')).split('.')[0]}-{n:02d}",
            "source": site,
            "text": text,
            "article": article,
            "segments": segments,
            "split": "held_out" if held_out else "dev",
            "furniture": (maker.__doc__ or "").strip(),
        })
    with open(out, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(d, ensure_ascii=False) + "\n" for d in docs)
    print(f"wrote {len(docs)} documents to {out}")


if __name__ == "__main__":
    main()
