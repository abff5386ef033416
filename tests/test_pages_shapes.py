"""Issue 13's page shapes on small plain-text pages: caption copies, comment threads without furniture."""

from __future__ import annotations

from copydesk.clean import CleanConfig, clean_document

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
]
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
