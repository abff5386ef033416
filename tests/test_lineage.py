"""Lineage: dates and their origin, credit lines, the direction rules, cluster sources, outlets,
the outputs on the sample corpus, and ``explain``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from copydesk.config import ClusterConfig, Config, ConfigError
from copydesk.lineage import DocFacts, LineageConfig, derive, doc_facts
from copydesk.lineage.credits import Credits, find_credits, name_key, outlet_key
from copydesk.lineage.dates import html_date, parse_date, text_date
from copydesk.pipeline import find_reuse
from copydesk.semantic import RewriteConfig
from copydesk.types import Cluster, Match

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples" / "news"
# The lexical rewrite layer finds the sample's two rewrites; the packaged encoder would only slow the tests.
DOC_LEVEL = Config(processes=1, stages=("clean", "exact", "near", "passages", "rewrite"),
                   rewrite=RewriteConfig(model="none"))


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("Storm hits coast\nApril 17, 2024 10:32 GMT\n\nThe storm", "2024-04-17T10:32:00+00:00"),
    ("Apple Harvest Disaster | 2024-04-22 03:16:42\n\nA single night", "2024-04-22T03:16:42"),
    ("Title\nBy Jane Roe | 17 April 2024\n\nBody", "2024-04-17"),
    ("Titel\nVeröffentlicht am 3. März 2024 um 14:05\n\nText", "2024-03-03T14:05:00"),
    ("Titre\nPublié le 17 avril 2024\n\nTexte", "2024-04-17"),
    ("Posted Apr. 3rd, 2024 at 5:07 p.m.\nBody", "2024-04-03T17:07:00"),
    ("April 17, 2024 - The council met today and voted to close the pier", "2024-04-17"),
])
def test_date_lines_in_the_head_of_a_text(text, expected):
    assert text_date(text) == expected


@pytest.mark.parametrize("text", [
    "Title\nThe plant closed on March 3, 2019, after a long fight with its owners and the council.",
    "Title\n\nNo date here at all.",
    "Title\nFebruary 30, 2024\n",  # not a date
    "x" * 500 + "\nApril 17, 2024\n",  # beyond the head
])
def test_no_date_line(text):
    assert text_date(text) is None


def test_dates_are_intervals_and_a_crawl_date_only_bounds_from_above():
    day = parse_date("2024-04-17")
    morning, evening = parse_date("2024-04-17T08:00:00Z"), parse_date("2024-04-17T20:00:00+00:00")
    assert day.day_only and not morning.day_only
    assert morning.before(evening, 3600) and not evening.before(morning, 3600)
    assert not day.before(evening, 3600) and not morning.before(day, 0)  # same day: undecided
    assert not morning.before(parse_date("2024-04-17T08:30:00Z"), 3600)  # within the lag
    crawl = parse_date("2024-04-18T00:00:00Z", "warc_crawl")
    assert crawl.before(parse_date("2024-04-20"), 3600)  # existed before the later publication
    assert not morning.before(crawl, 3600)  # a crawl says nothing about when it was published
    assert parse_date("Wed, 17 Apr 2024 10:00:00 GMT") == parse_date("2024-04-17T10:00:00Z")
    assert parse_date("soon") is None and parse_date(None) is None


def test_html_dates_and_their_origin():
    assert html_date('<meta property="article:published_time" content="2024-01-02T03:04:05+01:00">') == \
        ("2024-01-02T03:04:05+01:00", "html_meta")
    assert html_date('<script type="application/ld+json">{"datePublished": "2023-05-06T07:08:09Z"}</script>') == \
        ("2023-05-06T07:08:09Z", "jsonld")
    assert html_date('<time datetime="2022-02-03">Feb 3</time>') == ("2022-02-03", "time_tag")
    assert html_date("<p>nothing</p>", "https://x.com/2021/03/04/story") == ("2021-03-04", "url")
    assert html_date("<p>nothing</p>", None, "2020-01-01") == ("2020-01-01", "html_meta")
    assert html_date("<p>nothing</p>") is None


def test_html_reader_records_the_date_origin(shared_data):
    from copydesk.ingest.html import extract_html

    page = ('<html><head><meta property="article:published_time" content="2024-02-03T04:05:06Z">'
            '<title>T</title></head><body><article><h1>Storm</h1>'
            + "".join(f"<p>Paragraph {k} of an article about a storm that hit the coast and closed roads.</p>"
                      for k in range(8)) + "</article></body></html>")
    found = extract_html(page.encode())
    assert (found.published, found.published_origin) == ("2024-02-03T04:05:06Z", "html_meta")


# --- credits --------------------------------------------------------------------------------


@pytest.mark.parametrize("text, agencies, outlets", [
    ("PARIS (AFP) - Talks resumed.\n\nRead the full story at www.coastal-post.com", ("AFP",), ("coastalpost",)),
    ("WASHINGTON (Reuters) - x\n\nbody\n\nThis article first appeared in The Daily Herald.", ("Reuters",), ("dailyherald",)),
    ("Title\n\nORWELL (NWS) - Fruit growers", ("NWS",), ()),
    ("Body text.\n\nSource: Northshore Tribune", (), ("northshoretribune",)),
    ("Body.\n\nRead the full article at https://www.coastal-post.co.uk/2024/x.html", (), ("coastalpost",)),
    ("By The Associated Press\n\nWASHINGTON — x", ("AP",), ()),
    ("Body.\n© 2024 Agence France-Presse", ("AFP",), ()),
    ("He said (in the report) - nothing new. The agency told Reuters it would not comment.", (), ()),
    # The forms real pages print (the seeds' shapes and the other agencies').
    ("PARIS, April 17 (AFP) - Talks resumed.", ("AFP",), ()),
    ("Paris (AFP) — Les discussions ont repris.", ("AFP",), ()),
    ("Body.\n\n— AFP\n\nRead also\n\nA second story glued below." + " More." * 200, ("AFP",), ()),
    ("Body.\n\n© AFP 2024", ("AFP",), ()),
    ("Body.\n\n(avec AFP)", ("AFP",), ()),
    ("Body.\n\nAFP/Reuters", ("AFP", "Reuters"), ()),
    ("Body.\n\nReporting by Jane Smith; Editing by John Stonestreet", ("Reuters",), ()),
    ("Body.\n\nCopyright 2024 The Associated Press. All rights reserved.", ("AP",), ()),
    ("Body.\n\nAssociated Press writer Jane Doe contributed to this report.", ("AP",), ()),
    ("Berlin (dpa) - Text.\n\nmit Material von dpa", ("dpa",), ()),
    ("MADRID, 17 abr (EFE).- Texto.", ("EFE",), ()),
    ("ROMA, 17 APR - Il ministro ha parlato. (ANSA).", ("ANSA",), ()),
    ("BEIJING, April 17 (Xinhua) -- Text.", ("Xinhua",), ()),
    ("新华社北京4月17日电 国家统计局周三发布数据。", ("Xinhua",), ()),
    ("BERLIN (AFP/dpa) - Text.", ("AFP", "dpa"), ()),
    ("LISBOA, 17 abr (Lusa) - Texto.", ("Lusa",), ()),
    # An agency named in a sentence is no credit.
    ("Body.\n\nThe minister told AFP on Tuesday that talks would resume.", (), ()),
    ("Body.\n\nAFP contacted the ministry but received no reply.", (), ()),
    ("According to figures compiled by AFP, turnout was higher.\n\nThe ministry told Reuters - nothing new.", (), ()),
    ("Monday (Wednesday) - a word in brackets is no agency.", (), ()),
])
def test_credit_lines(text, agencies, outlets):
    assert find_credits(text) == Credits(agencies, outlets)


_WORDS = st.sampled_from("the minister told said on tuesday talks would resume according to figures compiled "
                         "sources close agency reported that officials in paris london".split())


@given(st.lists(st.tuples(st.lists(_WORDS, min_size=2, max_size=8), st.sampled_from(
    ["AFP", "Agence France-Presse", "Reuters", "AP", "the Associated Press", "dpa", "EFE", "ANSA", "Xinhua"]),
    st.lists(_WORDS, min_size=1, max_size=8)), min_size=1, max_size=6))
def test_an_agency_named_in_prose_is_no_credit(sentences):
    text = "\n\n".join(" ".join(left).capitalize() + f" {agency} " + " ".join(right) + "."
                       for left, agency, right in sentences)
    assert find_credits(text) == Credits()


@pytest.mark.parametrize("text", [
    "Title\n\nPhoto: a view of the scene on Tuesday. (AFP/File)\n\nBody.",
    "Title\n\nJOEL SAGET / AFP\n\nBody.",
    "Title\n\nA protester in Paris. Photo: AFP\n\nBody.",
    "Title\n\nA protester in Paris (Photo by Joel Saget / AFP)\n\nBody.",
])
def test_photo_credits_are_weaker_than_text_credits(text):
    assert find_credits(text) == Credits((), (), ("AFP",))
    assert find_credits("PARIS (AFP) - " + text) == Credits(("AFP",))  # a text credit: no photo-only agency


def test_names_and_hosts_share_a_key():
    assert name_key("The Coastal Post") == outlet_key("https://www.coastal-post.co.uk/x") == "coastalpost"
    assert outlet_key("news.bbc.co.uk") == outlet_key("www.bbc.com") == "bbc"
    assert name_key("dailyherald.com") == "dailyherald"


# --- direction rules ------------------------------------------------------------------------


def _m(a, b, kind="near_duplicate", ca=1.0, cb=1.0, method="m"):
    return Match(a, b, kind, 0.9, 0.9, ca, cb, (), method)


def _one(fa, fb, match, **config):
    return derive({fa.id: fa, fb.id: fb}, [match], (), LineageConfig(**config)).directions[0]


def test_each_basis():
    early = DocFacts("a", "x.com", "2024-01-01T08:00:00Z", "jsonl")
    late = DocFacts("b", "y.com", "2024-01-01T12:00:00Z", "jsonl")
    undated_a, undated_b = DocFacts("a", "x.com"), DocFacts("b", "y.com")
    d = _one(early, late, _m("a", "b"))
    assert (d.derived, d.basis, d.lag_hours) == ("b", "published", 4.0)
    d = _one(undated_a, undated_b, _m("a", "b", "excerpt", 1.0, 0.3, "passages_v2:a_in_b"))
    assert (d.derived, d.basis) == ("a", "containment")
    crediting = DocFacts("a", "farm.info", "2023-01-01", "jsonl", Credits((), ("y",)))
    d = _one(crediting, late, _m("a", "b"))  # the credit wins over an earlier date
    assert (d.derived, d.basis) == ("a", "credit")
    d = _one(undated_a, undated_b, _m("a", "b", method="m:a_part"))
    assert (d.derived, d.basis) == ("a", "wrapper")
    d = _one(early, late, _m("a", "b", method="m:a_part"))  # a wrapper published first took nothing
    assert (d.derived, d.basis) == ("b", "published")
    d = _one(late, undated_b, _m("a", "b", method="m:a_part"))
    assert (d.derived, d.basis) == ("a", "wrapper")
    d = _one(undated_a, undated_b, _m("a", "b", "excerpt", 0.2, 1.0, "m:b_in_a:a_part"))  # b excerpts a's copy
    assert (d.derived, d.basis) == ("b", "containment")
    afp_a = DocFacts("a", "x.com", "2024-01-01T08:00:00Z", "jsonl", Credits(("AFP",)))
    afp_b = DocFacts("b", "y.com", "2024-01-02T08:00:00Z", "jsonl", Credits(("AFP",)))
    d = _one(afp_a, afp_b, _m("a", "b"))
    assert (d.derived, d.basis, d.credited_source) == (None, "siblings", "AFP")
    agency = DocFacts("b", "afp.com", None, None, Credits(("AFP",)))
    d = _one(afp_a, agency, _m("a", "b"))  # the agency's own page is no sibling: a took its copy
    assert (d.derived, d.basis) == ("a", "credit")
    assert _one(early, late, _m("a", "b", "same_story")).derived is None
    same_day = DocFacts("b", "y.com", "2024-01-01", "jsonl")
    assert _one(early, same_day, _m("a", "b")).derived is None


def test_outlet_record_decides_undated_pairs_and_only_those_between_known_outlets():
    facts, matches = {}, []
    for k in range(6):  # the farm's dated copies all came later
        facts[f"o{k}"] = DocFacts(f"o{k}", "paper.com", f"2024-01-0{k + 1}T08:00:00Z", "jsonl")
        facts[f"p{k}"] = DocFacts(f"p{k}", "farm.info", f"2024-01-0{k + 1}T18:00:00Z", "jsonl")
        matches.append(_m(f"o{k}", f"p{k}"))
    facts["o9"], facts["p9"] = DocFacts("o9", "paper.com"), DocFacts("p9", "farm.info")
    facts["q1"], facts["q2"] = DocFacts("q1", "elsewhere.org"), DocFacts("q2", "farm.info")
    matches += [_m("o9", "p9"), _m("q1", "q2")]
    lineage = derive(facts, matches)
    by_pair = {(m.a, m.b): d for m, d in zip(matches, lineage.directions)}
    assert (by_pair[("o9", "p9")].derived, by_pair[("o9", "p9")].basis) == ("p9", "outlet")
    assert by_pair[("q1", "q2")].derived is None  # elsewhere.org has no record
    outlets = {o.outlet: o for o in lineage.outlets}
    assert outlets["farm.info"].derived_share == 7 / 8 and outlets["paper.com"].derived_share == 0.0  # q2 undecided
    assert outlets["farm.info"].takes_from == (("paper.com", 7, 10.0),)


_ids = st.sampled_from([f"d{k}" for k in range(8)])


@given(st.lists(st.tuples(_ids, _ids, st.sampled_from(["exact", "near_duplicate", "rewrite", "shared_passages"]),
                          st.sampled_from([None, "x.com", "y.com", "z.com"])), max_size=20),
       st.randoms(use_true_random=False))
def test_no_direction_without_dates_or_textual_evidence(rows, rnd):
    """Undated documents, no credits, no excerpts, no wrappers: every direction stays null,
    whatever the outlets (their record is empty), and the answer does not depend on order."""
    facts = {f"d{k}": DocFacts(f"d{k}", None) for k in range(8)}
    matches = {}
    for a, b, kind, outlet in rows:
        if a != b:
            a, b = sorted((a, b))
            facts[a] = DocFacts(a, outlet)
            matches[(a, b)] = _m(a, b, kind)
    ms = list(matches.values())
    lineage = derive(facts, ms)
    assert all(d.derived is None and d.basis is None for d in lineage.directions)
    shuffled = ms[:]
    rnd.shuffle(shuffled)
    again = derive(facts, shuffled)
    assert dict(zip(shuffled, again.directions)) == dict(zip(ms, lineage.directions))


@given(st.lists(st.tuples(_ids, _ids, st.integers(0, 72), st.integers(0, 72)), min_size=1, max_size=15),
       st.randoms(use_true_random=False))
def test_directions_do_not_depend_on_match_order(rows, rnd):
    facts, matches = {}, {}
    for a, b, ha, hb in rows:
        if a == b:
            continue
        a, b = sorted((a, b))
        facts.setdefault(a, DocFacts(a, f"{a[-1]}.com", f"2024-01-01T00:00:00Z" if ha % 3 else None, "jsonl"))
        facts.setdefault(b, DocFacts(b, f"{b[-1]}.com", f"2024-01-0{1 + hb % 9}T12:00:00Z" if hb % 4 else None, "jsonl"))
        matches[(a, b)] = _m(a, b)
    ms = list(matches.values())
    shuffled = ms[:]
    rnd.shuffle(shuffled)
    first, second = derive(facts, ms), derive(facts, shuffled)
    assert dict(zip(ms, first.directions)) == dict(zip(shuffled, second.directions))
    assert first.outlets == second.outlets


def test_seed_like_cluster_credits_afp():
    """The seeds' shape: an AFP story printed in full, excerpted under a comment thread, and
    machine-rewritten with a later date stamp in its title line."""
    body = ("PARIS (AFP) - France's parliament voted on Tuesday to adopt the budget after weeks of debate.\n\n"
            "The vote came late in the evening.\n\nMinisters welcomed it.")
    full = doc_facts("site1/full", body, "site1.fr", None, "2024-04-17T09:00:00Z", "jsonl")
    excerpt = doc_facts("site2/excerpt", body.split("\n\n")[0] + "\n\nComments (12)\n\nI disagree.", "site2.fr")
    rewrite = doc_facts("site3/rewrite", "Budget adopted at last | 2024-04-22 03:16:42\n\nThe French parliament "
                        "adopted its budget on Tuesday.", "site3.com")
    assert rewrite.published_origin == "text"
    facts = {f.id: f for f in (full, excerpt, rewrite)}
    matches = [_m("site1/full", "site2/excerpt", "excerpt", 0.4, 1.0, "passages_v2:b_in_a"),
               _m("site1/full", "site3/rewrite", "rewrite"), _m("site2/excerpt", "site3/rewrite", "rewrite")]
    cluster = Cluster("copy-000001", "copy", tuple(sorted(facts)), "site1/full")
    lineage = derive(facts, matches, [cluster])
    info = lineage.clusters["copy-000001"]
    assert info.credited_source == "AFP"
    assert [(d.derived, d.basis) for d in lineage.directions] == [
        (None, "siblings"), ("site3/rewrite", "published"), (None, None)]


# --- outputs --------------------------------------------------------------------------------


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_sample_outputs_carry_lineage(tmp_path):
    out = tmp_path / "out"
    find_reuse([SAMPLES], out, DOC_LEVEL, progress=False)
    docs = {d["id"]: d for d in _records(out / "documents.jsonl")}
    assert docs["wire/orchard-frost-losses.txt"]["published"] == "2024-04-22T08:15:00+00:00"
    assert docs["contentfarm/orchard-frost-apple-harvest-disaster.txt"]["published_origin"] == "text"
    assert all(d["published"] is None or d["published_origin"] == "text" for d in docs.values())
    matches = {(m["a"], m["b"]): m for m in _records(out / "matches.jsonl")}
    rewrite = matches[("contentfarm/orchard-frost-apple-harvest-disaster.txt", "wire/orchard-frost-losses.txt")]
    assert (rewrite["derived"], rewrite["direction_basis"]) == ("contentfarm/orchard-frost-apple-harvest-disaster.txt",
                                                                "published")
    excerpt = matches[("dailyherald/free-school-lunches-trial.txt", "wire/school-lunch-pilot.txt")]
    assert (excerpt["derived"], excerpt["direction_basis"], excerpt["credited_source"]) == (None, "siblings", "NWS")
    copies = [c for c in _records(out / "clusters.jsonl") if c["kind"] == "copy"]
    orchard = next(c for c in copies if "wire/orchard-frost-losses.txt" in c["members"])
    assert orchard["source"] == "wire/orchard-frost-losses.txt" and orchard["credited_source"] == "NWS"
    assert orchard["edges"] == [{"from": "wire/orchard-frost-losses.txt",
                                 "to": "contentfarm/orchard-frost-apple-harvest-disaster.txt", "basis": "published"}]
    assert all(c["credited_source"] == "NWS" for c in copies)
    outlets = {o["outlet"]: o for o in _records(out / "outlets.jsonl")}
    assert outlets["contentfarm"]["derived_share"] == round(2 / 3, 4)
    assert outlets["wire"]["taken_by"][0]["outlet"] == "contentfarm"
    assert sum(o["documents"] for o in outlets.values()) == len(docs)


def test_representative_can_follow_the_source(tmp_path):
    config = DOC_LEVEL.replace(cluster=ClusterConfig(representative="source"))
    find_reuse([SAMPLES], tmp_path / "out", config, progress=False)
    clusters = _records(tmp_path / "out" / "clusters.jsonl")
    orchard = next(c for c in clusters if c["kind"] == "copy" and "wire/orchard-frost-losses.txt" in c["members"])
    assert orchard["representative"] == orchard["source"] == "wire/orchard-frost-losses.txt"
    kept = {r["id"] for r in _records(tmp_path / "out" / "deduplicated.jsonl")}
    assert "wire/orchard-frost-losses.txt" in kept and "contentfarm/orchard-frost-apple-harvest-disaster.txt" not in kept
    with pytest.raises(ConfigError, match="local engine"):
        Config(engine="spark", cluster=ClusterConfig(representative="source"))


def test_undated_copies_without_evidence_get_no_direction(tmp_path):
    text = "\n\n".join(f"Paragraph {k}: the council agreed a plan for the harbour wall, the pier and the "
                       f"old lifeboat station after a long public meeting in the town hall." for k in range(8))
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": "a", "text": text, "source": "one.com"}) + "\n"
                    + json.dumps({"id": "b", "text": text + "\n\nShare this.", "source": "two.com"}) + "\n")
    find_reuse([path], tmp_path / "out", Config(processes=1, stages=("clean", "exact", "near", "passages")),
               progress=False)
    (match,) = _records(tmp_path / "out" / "matches.jsonl")
    assert (match["derived"], match["direction_basis"]) == (None, None)


def test_explain_says_who_took_from_whom(tmp_path):
    from rich.console import Console

    from copydesk.report import explain

    out = tmp_path / "out"
    find_reuse([SAMPLES], out, DOC_LEVEL, progress=False)
    console = Console(record=True, width=200)
    assert explain(console, out, "wire/orchard-frost-losses.txt", "contentfarm/orchard-frost-apple-harvest-disaster.txt")
    said = console.export_text()
    assert "contentfarm/orchard-frost-apple-harvest-disaster.txt took from wire/orchard-frost-losses.txt" in said
    assert "published later" in said


def test_spark_driver_half_rewrites_outputs_as_the_local_engine_writes_them(tmp_path):
    """:func:`copydesk.engines.spark_lineage.annotate_folder` (what the Spark engine runs on the
    outputs it wrote without lineage) gives the local engine's bytes: checked without Spark by
    stripping the lineage fields from a local run's outputs."""
    from copydesk.engines.spark_lineage import annotate_folder
    from copydesk.ingest import decode

    out = tmp_path / "out"
    find_reuse([SAMPLES], out, DOC_LEVEL, progress=False)
    names = ("documents.jsonl", "matches.jsonl", "clusters.jsonl", "outlets.jsonl")
    expected = {name: (out / name).read_bytes() for name in names}
    stripped = tmp_path / "stripped"
    stripped.mkdir()
    lineage_keys = {"derived", "direction_basis", "credited_source", "lag_hours", "source", "edges"}
    for name in names[:3]:
        lines = []
        for r in _records(out / name):
            if name == "documents.jsonl":
                r = {k: v for k, v in r.items() if k not in ("published", "published_origin")}  # text dates only here
            elif name == "clusters.jsonl":
                r = {k: v for k, v in r.items() if k not in lineage_keys | {"credited_source"}}
            else:
                r = {k: v for k, v in r.items() if k not in lineage_keys}
            lines.append(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
        (stripped / name).write_text("".join(lines), encoding="utf-8")
    facts = {}
    for p in sorted(SAMPLES.rglob("*.txt")):
        doc_id = p.relative_to(SAMPLES).as_posix()
        facts[doc_id] = doc_facts(doc_id, decode(p.read_bytes(), str(p))[0])
    annotate_folder(stripped, facts, DOC_LEVEL)
    for name in names:
        assert (stripped / name).read_bytes() == expected[name], name
