"""Issue 13's page shapes on small plain-text pages: caption copies, comment threads without furniture."""

from __future__ import annotations

from test_page_model import PARAS as PAGE_MODEL_PARAS

from copydesk.clean import CleanConfig, clean_document

CFG = CleanConfig()
PARAS = PAGE_MODEL_PARAS[:4]  # the same reservoir story the page-model tests print
CAPTION = "Workers inspect the dam wall at Kelby on Monday. (Photo: Water Board)"


def marked(text: str, config: CleanConfig = CFG) -> list[tuple[str, str]]:
    return [(s.reason, text[s.start:s.end]) for s in clean_document(text, None, None, config).boilerplate]


def test_caption_printed_on_top_is_marked_again_under_the_photo():
    text = "\n".join([CAPTION, CAPTION, "Reservoir at record low", *PARAS[:2], CAPTION, *PARAS[2:]])
    found = marked(text)
    assert sum(t.count(CAPTION) for r, t in found if r == "caption") == 3
    assert all(p not in t for _, t in found for p in PARAS)


def test_a_caption_printed_once_in_the_body_is_left_alone():
    # no copies on top: nothing says the line is a repeated caption
    text = "\n".join(["Reservoir at record low", *PARAS[:2], CAPTION, *PARAS[2:]])
    assert all(CAPTION not in t for r, t in marked(text) if r == "caption")


def test_a_headline_printed_on_top_and_over_the_article_stays():
    head = "Reservoir at record low in Kelby"
    text = "\n".join([head, head, "Water board", head, *PARAS])
    title = text.rindex(head)
    assert all(not (s.start <= title < s.end) for s in clean_document(text, None, None, CFG).boilerplate)


def test_the_rules_alone_do_not_mark_caption_copies():
    text = "\n".join([CAPTION, CAPTION, "Reservoir at record low", *PARAS[:2], CAPTION, *PARAS[2:]])
    off = marked(text, CleanConfig(page_model=False))
    assert all(r != "caption" for r, _ in off)


MENU = ["Home", "News", "Sport", "Business", "Weather", "Sign in", "Subscribe", "Share on Facebook", "Share on Twitter"]
FOOTER = ["About us", "Contact", "Privacy policy", "Terms of use", "© 2024 Kelby Gazette"]
# a reader thread as scrapers print it: a name and a date over each reply, no "Reply", no
# "says:", no "avatar", no heading (none of the rules' comment furniture)
THREAD = [
    "waterwatcher", "3 March 2024", "I have been saying this for years! Why did nobody listen to us?",
    "Kelby Mum", "3 March 2024", "Totally agree with you, we had the same problem on our street last summer :)",
    "J Moss", "4 March 2024", "Did you even read the article? The board said it would be fixed by August.",
    "oldtimer", "4 March 2024", "My water bill went up again this month and now they want me to use less?? Ridiculous.",
    "Ann", "5 March 2024", "Thanks for posting this, I had no idea it was that bad.",
]


def test_comment_thread_without_comment_furniture_on_a_scraped_page_is_marked():
    text = "\n".join([*MENU, "Reservoir at record low", *PARAS, *THREAD, *FOOTER])
    cleaned = clean_document(text, None, None, CFG)
    comments = [s for s in cleaned.boilerplate if s.reason == "comments"]
    assert comments and text[comments[0].start:].startswith("waterwatcher")
    covered = "".join(text[s.start:s.end] for s in cleaned.boilerplate)
    assert all(reply in covered for reply in THREAD[2::3])
    assert all(p not in covered for p in PARAS)
    rules = clean_document(text, None, None, CleanConfig(page_model=False))
    assert all(s.reason != "comments" for s in rules.boilerplate)


def test_the_same_replies_in_extracted_text_are_left_alone():
    # no furniture around the article (an extractor's output): no evidence of a scraped page,
    # and first-person prose under an article is not taken for a thread
    text = "\n".join(["Reservoir at record low", *PARAS, *THREAD[2::3]])
    assert all(s.reason != "comments" for s in clean_document(text, None, None, CFG).boilerplate)
