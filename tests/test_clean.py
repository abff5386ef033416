"""Cleaning: furniture spans with reasons, segments, corpus-level line statistics, mask."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.clean import CleanConfig, LineCounts, LineStats, clean_document, kept_text, line_keys, mask
from copydesk.config import Config, ConfigError
from copydesk.types import Span

CFG = CleanConfig()

P1 = ("The regional water board said on Monday that the reservoir above Kelby had fallen to its lowest "
      "level since records began, and asked households to use less water in the garden.")
P2 = ("Engineers will pump water from a disused quarry into the reservoir from next week, a measure last "
      "used during the long drought of 1976, according to the board's chief engineer.")
P3 = ("Farmers downstream said the restrictions came too late for this year's crops, but welcomed a "
      "promise of compensation for any losses caused by the lower river flow.")
P4 = ("A public meeting will be held at the village hall on Thursday evening, where residents can put "
      "their questions to the board and to the county council's emergency planners.")


def reasons(text: str, source: str | None = None, stats: LineStats | None = None, config: CleanConfig = CFG):
    cleaned = clean_document(text, source, stats, config)
    return [(s.reason, text[s.start : s.end]) for s in cleaned.boilerplate]


def doc(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def test_article_text_alone_is_left_alone():
    text = doc("Reservoir at record low", P1, P2, P3)
    assert reasons(text) == []
    assert clean_document(text, None, None, CFG).segments == ()


@pytest.mark.parametrize(
    ("furniture", "reason"),
    [
        ("The post Reservoir at record low appeared first on Kelby Courier.", "feed_footer"),
        ("This story was originally published by the Kelby Courier.", "feed_footer"),
        ("Sign up for our weekday newsletter and get the headlines before breakfast", "newsletter"),
        ("Get the morning briefing delivered straight to your inbox.", "newsletter"),
        ("Your email address will not be published. Required fields are marked *", "comment_form"),
        ("Leave a comment", "comment_form"),
        ("You must be logged in to post a comment.", "comment_form"),
        ("Share on WhatsApp", "share_buttons"),
        ("Facebook Twitter LinkedIn Email", "share_buttons"),
        ("#drought #water #kelby", "hashtags"),
        ("Tags: drought, water, Kelby", "hashtags"),
        ("READ MORE: Hosepipe ban extended to three more counties", "related_links"),
        ("248 shares", "widget"),
        ("Font size", "widget"),
        ("Advertisement", "widget"),
        ("Home › News › Environment", "widget"),
        ("(Reporting by Ana Ruiz; Editing by Tom Keller)", "byline"),
        ("Follow Kelby Courier on Instagram and TikTok", "share_buttons"),
    ],
)
def test_each_kind_of_furniture_between_paragraphs_is_marked(furniture, reason):
    text = doc("Reservoir at record low", P1, P2, furniture, P3, P4)
    assert (reason, furniture) in reasons(text)
    kept = kept_text(text, clean_document(text, None, None, CFG).boilerplate)
    for paragraph in (P1, P2, P3, P4):
        assert paragraph in kept


def test_headline_and_caption_printed_twice_keep_their_first_printing():
    caption = "The reservoir above Kelby, photographed on Sunday."
    text = doc("Reservoir at record low", caption, "Reservoir at record low", caption, P1, P2, P3)
    found = reasons(text)
    assert found == [("repeated_line", "Reservoir at record low\n" + caption)]
    assert text.index("Reservoir at record low") == 0  # the first printing is kept


def test_a_block_printed_twice_and_repeated_list_items_are_the_page_own_text():
    listing = ["- pumps", "- pipes", "- tanks"]
    text = doc(P1, *listing, P2, *listing, P3)
    assert reasons(text) == []


def test_lines_repeated_far_down_the_page_and_table_rows_are_kept():
    # a recipe's quantities, a table's header row: printed again far from the first printing
    text = doc("Reservoir at record low", P1, P2, P3, P4, "1 tsp. salt", "| Site | Level |", P1.upper(), P2.upper(),
               P3.upper(), P4.upper(), "1 tsp. salt", "| Site | Level |", "| Kelby | 21% |")
    assert reasons(text) == []


def test_related_heading_takes_the_headlines_under_it():
    text = doc("Reservoir at record low", P1, P2, P3, "Related stories", "Hosepipe ban extended",
               "Why rivers are running dry", "Farmers count the cost")
    assert reasons(text) == [("related_links", "Related stories\nHosepipe ban extended\nWhy rivers are running dry\n"
                                               "Farmers count the cost")]


def test_comment_thread_after_the_article_is_marked_to_the_end():
    text = doc("Reservoir at record low", P1, P2, P3, "7 Comments", "waterwatcher says:",
               "About time they did something about the leaks.", "Reply", "J. Moss",
               "2 days ago", "We had the same problem in 1995 and nobody learned anything from it.", "Reply")
    found = reasons(text)
    assert [r for r, _ in found] == ["comments"]
    assert found[0][1].startswith("7 Comments") and found[0][1].endswith("Reply")


def test_a_comment_count_under_the_headline_opens_no_thread():
    text = doc("Reservoir at record low", "12 comments", P1, P2, P3)
    assert reasons(text) == [("widget", "12 comments")]


def test_navigation_above_and_below_the_article_is_widget():
    text = doc("Skip to content", "News", "Sport", "Reservoir at record low", P1, P2, P3, "Advertisement", "Contact",
               "Jobs")
    found = reasons(text)
    assert ("widget", "Skip to content\nNews\nSport") in found
    assert ("widget", "Advertisement\nContact\nJobs") in found


def test_subheading_next_to_an_advert_is_kept():
    text = doc("Reservoir at record low", P1, "Advertisement", "What happens next", P2, P3)
    assert reasons(text) == [("widget", "Advertisement")]


def test_second_article_after_furniture_is_a_segment():
    second = ["Night buses cut as drivers quit", "By Ana Ruiz",
              "Three night bus routes will stop running next month because the operator cannot find drivers "
              "willing to work late shifts, the company said on Wednesday.",
              "The routes carry about 1,500 passengers a week, many of them hospital and hotel workers who "
              "finish their shifts after midnight and have no other way home."]
    text = doc("Reservoir at record low", P1, P2, P3, "Share this article", *second)
    cleaned = clean_document(text, None, None, CFG)
    assert len(cleaned.segments) == 2
    first, other = cleaned.segments
    assert text[first.start : first.end].startswith("Reservoir at record low")
    assert text[first.start : first.end].endswith(P3)
    assert text[other.start : other.end].startswith("Night buses cut")
    assert all(s.reason == "article" for s in cleaned.segments)
    assert ("byline", "By Ana Ruiz") in [(s.reason, text[s.start : s.end]) for s in cleaned.boilerplate]


def test_subheading_inside_one_article_is_not_a_second_article():
    text = doc("Reservoir at record low", P1, P2, "What the board will do", P3, P4)
    assert clean_document(text, None, None, CFG).segments == ()


def test_disabled_cleaning_marks_nothing():
    text = doc("Reservoir at record low", P1, "Share on Facebook", P2)
    cleaned = clean_document(text, None, None, CleanConfig(enabled=False))
    assert cleaned.boilerplate == () and cleaned.segments == ()


# --------------------------------------------------------------------------- corpus statistics


def site_pages(n: int, site_line: str) -> list[str]:
    stories = [P1, P2, P3, P4]
    return [doc(f"Story number {i} of the day", stories[i % 4], stories[(i + 1) % 4], site_line) for i in range(n)]


def test_line_keys_are_unique_sorted_uint64_and_fold_digits():
    keys = line_keys(doc("12 comments", "3 comments", P1, "12 comments", ""), CFG)
    assert keys.dtype == np.uint64
    assert list(keys) == sorted(set(keys.tolist()))
    assert len(keys) == 2  # "12 comments" and "3 comments" share a key


def test_a_line_every_page_of_a_source_prints_is_learnt_for_that_source_only():
    site_line = "Support the Kelby Courier: become a member for the price of a coffee a month"
    pages = site_pages(4, site_line)
    stats = LineStats.build([("courier", line_keys(p, CFG)) for p in pages], CFG)
    assert ("source_line", site_line) in reasons(pages[0], "courier", stats)
    assert reasons(pages[0], "other-site", stats) == []  # 16 words: too long to be learnt corpus-wide


def test_a_short_line_many_sources_print_is_learnt_corpus_wide():
    pages = [doc(f"Story {i}", [P1, P2, P3, P4][i % 4], "Loading the player") for i in range(6)]
    stats = LineStats.build([(f"site{i}", line_keys(p, CFG)) for i, p in enumerate(pages)], CFG)
    assert ("corpus_line", "Loading the player") in reasons(pages[0], None, stats)


def test_a_story_republished_by_its_source_keeps_its_prose():
    # the same story three times on one site: its paragraphs recur, but they are the document
    pages = [doc("Reservoir at record low", P1, P2, P3) for _ in range(3)]
    stats = LineStats.build([("courier", line_keys(p, CFG)) for p in pages], CFG)
    kept = kept_text(pages[0], clean_document(pages[0], "courier", stats, CFG).boilerplate)
    for paragraph in (P1, P2, P3):
        assert paragraph in kept


def test_copied_paragraphs_across_sources_are_not_learnt():
    words = ["bridges", "ferries", "farms", "schools", "rivers", "courts", "trains", "parks"]
    pages = [doc(f"A headline about {w}", P1, P2) for w in words]
    stats = LineStats.build([(f"site{i}", line_keys(p, CFG)) for i, p in enumerate(pages)], CFG)
    assert not stats.corpus_keys


def test_partial_counts_merge_to_the_same_stats():
    pages = site_pages(9, "Ledger Plus members read without limits")
    per_doc = [("ledger" if i % 2 else "courier", line_keys(p, CFG)) for i, p in enumerate(pages)]
    whole = LineStats.build(per_doc, CFG)
    left, right = LineCounts(), LineCounts()
    for i, (source, keys) in enumerate(per_doc):
        (left if i < 4 else right).add(source, keys)
    merged = LineStats.from_counts(left.merge(right).counts(), CFG)
    # as a Spark groupBy(source, key).count() would hand them over: one row per (source, key)
    rows = [(s, int(k), 1) for s, keys in per_doc for k in keys]
    from_rows = LineStats.from_counts(rows, CFG)
    assert whole.source_keys and whole.corpus_keys
    for other in (merged, from_rows):
        assert other.source_keys == whole.source_keys
        assert other.corpus_keys == whole.corpus_keys


def test_stats_pickle_and_stay_small():
    pages = site_pages(50, "Ledger Plus members read without limits")
    stats = LineStats.build([("ledger", line_keys(p, CFG)) for p in pages], CFG)
    again = pickle.loads(pickle.dumps(stats))
    assert reasons(pages[0], "ledger", again) == reasons(pages[0], "ledger", stats)
    assert len(pickle.dumps(stats)) < 2000


# --------------------------------------------------------------------------- config and mask


def test_config_rejects_bad_values_with_the_setting_name():
    with pytest.raises(ConfigError, match="min_source_docs"):
        CleanConfig(min_source_docs=1)
    with pytest.raises(ConfigError, match="max_learned_share"):
        CleanConfig(max_learned_share=1.5)
    with pytest.raises(ConfigError, match="clean.min_corpus_docs"):
        Config.from_mapping({"clean": {"min_corpus_docs": 0}})


def test_every_setting_has_a_help_line():
    from copydesk.config import flag_specs

    specs = {flag: help_ for flag, dotted, _, help_ in flag_specs() if dotted.startswith("clean.")}
    assert "--clean-enabled" in specs
    assert all(specs.values()), [f for f, h in specs.items() if not h]


def test_mask_blanks_spans_and_keeps_length_and_newlines():
    text = "abc\ndef\nghi"
    masked = mask(text, [Span(2, 6, "x"), Span(5, 7, "y")])
    assert masked == "ab \n   \nghi"
    assert mask(text, []) == text


def test_cleaning_is_deterministic():
    text = doc("Reservoir at record low", P1, "Share on Facebook", P2, "3 Comments", "jo says:", "Nice.", "Reply")
    assert clean_document(text, None, None, CFG) == clean_document(text, None, None, CFG)


# --------------------------------------------------------------------------- properties

_PIECES = st.sampled_from(
    [P1, P2, P3, "Share on Facebook", "Reservoir at record low", "12 comments", "Related", "#a #b", "Reply",
     "jo says:", "", "   ", "By Ana Ruiz", "Advertisement", "Héllo wörld — ½ “quoted”", "\t", "- item"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=40)), max_size=30), st.sampled_from(["\n", "\r\n", "\n\n"]))
def test_spans_lie_inside_the_text_sorted_and_disjoint(pieces, newline):
    text = newline.join(pieces)
    # statistics from the text and two variants of it, so learnt lines occur too
    stats = LineStats.build([("site", line_keys(t, CFG)) for t in (text, text.upper(), text + "\nShare")], CFG)
    cleaned = clean_document(text, "site", stats, CFG)
    assert cleaned == clean_document(text, "site", stats, CFG)
    for spans in (cleaned.boilerplate, cleaned.segments):
        previous_end = 0
        for span in spans:
            assert 0 <= span.start < span.end <= len(text)
            assert span.start >= previous_end
            assert text[span.start : span.end].strip() == text[span.start : span.end]
            previous_end = span.end
    masked = mask(text, cleaned.boilerplate)
    assert len(masked) == len(text)
    assert masked.count("\n") == text.count("\n")
    for span in cleaned.segments:  # segments hold article text only at their ends
        inside = [b for b in cleaned.boilerplate if span.start <= b.start < span.end]
        assert all(b.end <= span.end for b in inside)
