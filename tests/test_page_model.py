"""The page model (issue 13) on small plain-text pages: what it marks, what it leaves, where it cuts."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.clean import CleanConfig, clean_document
from copydesk.clean.page_model import (
    _CUE_GROUPS,
    _MARK_CUES,
    _MARK_CUES_ANY_CASE,
    _WORD_CUES,
    _WORD_CUES_ANY_CASE,
    LABELS,
    MODEL_FILE,
    _cues,
    load_model,
)

CFG = CleanConfig()
PARAS = [
    "The regional water board said on Monday that the reservoir above Kelby had fallen to its lowest level "
    "since records began, and asked households to cut their use by a fifth.",
    "Engineers blamed a dry spring and a leaking main under the valley road, which the board said would be "
    "replaced by the end of the summer at a cost of about four million crowns.",
    "Farmers downstream said the restrictions had come too late for this year's crops, but welcomed a "
    "promise of compensation for any losses caused by the lower river flow.",
    "The board will review the restrictions every two weeks and said a hosepipe ban could follow if the "
    "weather stays dry into August, as forecasters expect.",
    "Opposition councillors called for an independent inquiry into the state of the network, saying "
    "repairs had been put off for a decade to keep bills down.",
]


def reasons(text: str) -> list[tuple[str, str]]:
    return [(s.reason, text[s.start:s.end]) for s in clean_document(text, None, None, CFG).boilerplate]


def test_model_file_ships_and_loads():
    model = load_model()
    assert MODEL_FILE.exists() and model is not None
    assert model.weights.shape == (model.mean.shape[0], len(LABELS))
    assert 0.5 <= model.b_threshold < 1.0


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(PARAS), min_size=2, max_size=8, unique=True), st.sampled_from(["\n", "\n\n"]))
def test_a_plain_article_is_neither_marked_nor_cut(paras, sep):
    text = "Reservoir at record low" + sep + sep.join(paras)
    cleaned = clean_document(text, None, None, CFG)
    assert cleaned.boilerplate == ()
    assert cleaned.segments == ()


def test_caption_printed_three_times_is_marked_every_time():
    cap = "Workers inspect the dam wall at Kelby on Monday. (Photo: Water Board)"
    text = "\n".join([cap, cap, cap, "Reservoir at record low", *PARAS[:3]])
    found = reasons(text)
    assert found and found[0][0] == "caption" and found[0][1].count(cap) == 3
    assert all(p not in t for _, t in found for p in PARAS[:3])


def test_comment_thread_with_handles_and_no_heading_is_marked():
    thread = ["waterwatcher avatar", "waterwatcher", "March 3, 2024 at 9:12 am",
              "About time they did something about the leaks, I have been reporting the one on our street for years.",
              "Reply", "J. Moss avatar", "J. Moss",
              "We had the same problem in 1995 and nobody learned anything from it, did they?", "Reply"]
    text = "\n".join(["Reservoir at record low", *PARAS[:3], *thread])
    found = reasons(text)
    assert [r for r, _ in found] == ["comments"]
    assert found[0][1].startswith("waterwatcher avatar")


def test_unrelated_story_after_blank_lines_and_a_title_is_a_second_segment():
    other = ["Village bakery wins national sourdough prize",
             "A family bakery in the village of Low Ashby has won the national sourdough championship, beating "
             "more than 300 entries from professional and home bakers with a loaf made from local flour.",
             "Judges praised the loaf's open crumb and its dark, blistered crust, and said it was the first time "
             "a bakery from a village of fewer than a thousand people had taken the top prize."]
    text = "Reservoir at record low\n\n" + "\n\n".join(PARAS[:3]) + "\n\n\n\n" + "\n\n".join(other)
    cleaned = clean_document(text, None, None, CFG)
    assert len(cleaned.segments) == 2
    assert text[cleaned.segments[1].start:].startswith("Village bakery")


def test_the_same_story_after_a_wide_gap_is_not_cut():
    text = "Reservoir at record low\n\n" + "\n\n".join(PARAS[:2]) + "\n\n\n\nWhat the board will do next\n\n" + \
        "\n\n".join(PARAS[2:])
    assert clean_document(text, None, None, CFG).segments == ()


def test_page_model_off_gives_the_rules_alone():
    cap = "Workers inspect the dam wall at Kelby on Monday. (Photo: Water Board)"
    text = "\n".join([cap, cap, cap, "Reservoir at record low", *PARAS[:3]])
    off = clean_document(text, None, None, CleanConfig(page_model=False))
    assert all(s.reason != "caption" for s in off.boilerplate)


OTHER = ["Village bakery wins national sourdough prize",
         "A family bakery in the village of Low Ashby has won the national sourdough championship, beating "
         "more than 300 entries from professional and home bakers with a loaf made from local flour.",
         "Judges praised the loaf's open crumb and its dark, blistered crust, and said it was the first time "
         "a bakery from a village of fewer than a thousand people had taken the top prize.",
         "The owners said they would use the prize money to buy a second oven and take on two apprentices."]
THREAD = ["waterwatcher avatar", "waterwatcher", "March 3, 2024 at 9:12 am",
          "About time they did something about the leaks, I have been reporting the one on our street "
          "for years.",
          "Reply", "J. Moss avatar", "J. Moss",
          "We had the same problem in 1995 and nobody learned anything from it, did they?", "Reply"]


def test_a_comment_thread_stops_at_a_wide_gap_and_the_next_item_is_a_segment():
    # two scraped items glued by a feed reader: the first one's thread must not take the second
    text = "\n".join(["Reservoir at record low", *PARAS[:3], *THREAD]) + "\n\n" + "\n".join(OTHER)
    cleaned = clean_document(text, None, None, CFG)
    found = [(s.reason, text[s.start:s.end]) for s in cleaned.boilerplate]
    assert [r for r, _ in found] == ["comments"]
    assert found[0][1].startswith("waterwatcher avatar") and found[0][1].endswith("did they?\nReply")
    assert len(cleaned.segments) == 2
    assert text[cleaned.segments[1].start:cleaned.segments[1].end] == "\n".join(OTHER)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(PARAS), min_size=2, max_size=5, unique=True), st.integers(1, 3))
def test_paragraphs_as_far_apart_as_the_pages_others_are_not_cut(paras, blank):
    # an excerpt whose furniture is printed line by line and whose paragraphs sit apart: the
    # paragraph gap is the page's usual gap above its prose, no join
    sep = "\n" * (blank + 1)
    furniture = ["Read the full story on the partner site.", "Share this article: Facebook | X | Email",
                 "(c) 2026 North Wire. All rights reserved."]
    text = "From our partners at Ellmark Daily:" + sep + sep.join(paras) + "\n\n" + "\n".join(furniture)
    assert clean_document(text, None, None, CFG).segments == ()


def test_teaser_under_a_section_heading_of_a_scraped_page_is_not_a_second_article():
    menu = ["Home", "News", "World", "Business", "Sport", "Weather", "Sign in", "Subscribe", "Search"]
    # a listing's headline, its date and two lines of its lead, as scraped list pages print them
    teaser = ["More in World", OTHER[0], "November 19, 2019 at 5:10 pm", *OTHER[1:3], "Read More"]
    footer = ["Privacy policy", "Terms of use", "Contact us", "© 2024 Kelby Gazette"]
    text = "\n".join([*menu, "Reservoir at record low", *PARAS[:4], "Share on Facebook", "Share on Twitter",
                      *teaser, *footer])
    assert clean_document(text, None, None, CFG).segments == ()
    # the rules alone read it as a second article (what the model's scraped-page test corrects)
    assert len(clean_document(text, None, None, CleanConfig(page_model=False)).segments) == 2


def test_furniture_between_two_comments_is_the_threads():
    from copydesk.clean.page_model import _thread_is_one_run

    reasons = [None, None, "comments", "widget", "byline", "comment_form", "comments", "share_buttons",
               "widget"]
    _thread_is_one_run(reasons)
    assert reasons == [None, None, "comments", "comments", "comments", "comments", "comments",
                       "share_buttons", "widget"]


def test_a_thread_read_from_its_stamps_is_marked_on_a_scraped_page():
    # no heading, no "Reply": only the commenters' name-date-time lines over their replies
    menu = ["Home", "News", "World", "Business", "Sport", "Weather", "Sign in", "Subscribe", "Search"]
    footer = ["Privacy policy", "Terms of use", "Contact us", "© 2024 Kelby Gazette"]
    thread = ["Armanox June 28, 2015 at 10:25 pm",
              "Really, nobody saw this coming? I have been saying it for years!",
              "Leo July 23, 2015 at 3:20 pm",
              "Where is the money going then? I pay my bill every month and get nothing.",
              "Paco July 31, 2015 at 4:34 pm", "Just a stellar decision . . . you must be kidding me, lol!!"]
    text = "\n".join([*menu, "Reservoir at record low", *PARAS[:4], "Share on Facebook", "Share on Twitter",
                      *thread, *footer])
    cleaned = clean_document(text, None, None, CFG)
    comments = [text[s.start:s.end] for s in cleaned.boilerplate if s.reason == "comments"]
    assert len(comments) == 1 and comments[0].startswith("\n".join(thread)), cleaned.boilerplate
    assert not any(p in text[s.start:s.end] for s in cleaned.boilerplate for p in PARAS[:4])


# The page's cues as one regex scan (the model's features were fitted on these matches): the
# reference for clean.page_model._cues, which finds the same matches with two faster regexes.
_CUES_ONE_SCAN = re.compile(
    r"\b(?:(?P<first>(?=[ijmnouw])(?:i|me|my|mine|myself|we|us|our|ours|i'm|i've|i'd|i'll|we're|we've|ich|mir|mich|"
    r"mein|meine|meinen|meiner|wir|uns|unser|unsere|je|j'|moi|mon|mes|nous|notre|nos)\b)"
    r"|(?P<second>(?=[ydetv])(?:you|your|yours|you're|you've|yourself|du|dich|dir|dein|deine|deinen|euch|euer|eure|"
    r"tu|toi|ton|tes|vous|votre|vos)\b)"
    r"|(?P<ago>(?=[\davoi])(?:(?:\d+|an?|one)\s+(?:sec(?:ond)?|min(?:ute)?|hour|day|week|month|year)s?\s+ago\b"
    r"|vor\s+\d+\s+(?:sekunden|minuten|stunden|tagen|wochen|monaten|jahren)\b|il y a\s+\d+|\d{1,2}:\d{2}\b))"
    r"|(?P<informal>(?=[lhotdm])(?:lol|haha\w*|omg|thx|thanks|danke|merci)\b))"
    r"|(?P<emoticon>[:;]-?[)(dp](?!\w)|!!|\?\?)"
    r"|(?P<url>https?://|www\.|@\w|\.com\b)"
    r"|(?P<sep>[|»›>/•·])"
)
# pieces that open, hide or overlap cues: handles over person words, "haha" glued to a URL, clock
# times, time stamps across a line break, emoticons next to letters
_CUE_PIECES = [
    "i", "me", "my", "we", "you", "your", "du", "je", "j'", "j'ai", "nous", "vous", "lol", "hahaha", "haha", "thanks",
    "a", "an", "one", "3", "12", "12:34", "1:5", "hour", "hours", "day", "ago", "vor", "2", "tagen", "il", "y",
    "http://", "https://", "www.", "@", ".com", "x.com", ":)", ";-p", ":d", ":", "-", "!!", "!", "??", "?", "|", "»",
    "/", "•", "·", ">", "'", "the", "said", "ich", "İ", "I", "YOU", "Http", " ", " ", " ", "\n", "é", "_",
]


def _cues_one_scan(text: str, pattern: re.Pattern[str]) -> tuple[list[int], list[int]]:
    found = [(m.start(), _CUE_GROUPS.index(m.lastgroup)) for m in pattern.finditer(text)]
    return [p for p, _ in found], [g for _, g in found]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_CUE_PIECES), max_size=40), st.booleans())
def test_cues_are_the_matches_of_one_scan(pieces, lower):
    text = "".join(pieces)
    if lower:
        text = text.lower()
        assert _cues(text, _WORD_CUES, _MARK_CUES) == _cues_one_scan(text, _CUES_ONE_SCAN)
    else:  # a page whose lower-casing changes its length is read in any case
        assert _cues(text, _WORD_CUES_ANY_CASE, _MARK_CUES_ANY_CASE) == _cues_one_scan(
            text, re.compile(_CUES_ONE_SCAN.pattern, re.IGNORECASE))
