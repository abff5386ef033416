"""Issue 13's gates on the held-out sites of ``benchmarks/pages.py`` (real pages rendered to plain text).

The pages are rendered from ``../shared/data`` at run time (cached in ``$COPYDESK_PAGES_CACHE``,
about five minutes the first time on two cores, seconds after); the page model was fitted on the
train sites only (``benchmarks/fit_pages.py``). Under ``CI=true`` missing data fails the gates.

Floors: the figures measured on the held-out sites when the gate was set, less noise (held-out:
50 gold pages on 79 hosts, 41 comment pages, 20 repeated-caption pages, 24 two-article pages,
111 single-article pages). They are regression floors, *not* the issue's goals, most of which are
not met yet (BENCHMARKS.md, "Real scraped pages"): measured article-character F1 0.894 (goal
0.95), comment-line recall 0.603 (goal 0.9) with 15 % silver article characters lost (goal 2 %),
repeated captions 1.00 (goal 0.95), two-article cuts 0.917 (goal 0.9; 0.917 with the cut read as
a position between the segments), single articles never cut 0.937 (goal 0.98).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

DIGESTS = {
    "scrapinghub_article_extraction_benchmark/ground-truth.json":
        "512e9a9498912047a966e22f47302e849dfa45dca1f555d97588317dac7e5a3d",
    "scrapinghub_article_extraction_benchmark/html": "c85dd1ea1104d92bceb49599e9b7d7595f96b3aaaa91675453d0a12e9da3a8a1",
    "cleanportaleval/GoldStandard": "50fae1b484997da0a7037760fe42aa622c3899cda5e43f30457d3ddbb018e257",
    "cleanportaleval/input": "5610688a0b0f34ccde77af3661da28e6802f0485684557a36502565fcdde2019",
    "trafilatura_eval/evaldata.json": "6179b235b77918840552e9b166adcfc411e56a3342fc4873cc0d35944cc30b52",
    "trafilatura_eval/html_eval_and_cache.tar.gz": "40848d148db5915bd37c48d0ece646ba12d8b072a41d26e02e93c33fa4adbc93",
}
# measured (held-out sites) less noise: about one page's worth on each count (pages5 round:
# two-article cuts 0.917, and 0.917 as a position, on 24 pages, single pages never cut 0.937 on
# 111, comment-line recall 0.603 on 41 pages)
FLOORS = {
    "article_char_f1": 0.88,
    "comment_line_recall": 0.58,
    "repeated_captions_marked": 0.95,
    "two_article_cut_within_one_paragraph": 0.875,
    "two_article_cut_position_within_one_paragraph": 0.87,
    "single_article_never_cut": 0.92,
}
CEILINGS = {"article_char_loss_on_comment_pages": 0.16}
# the page model must beat the rules alone on the same pages
BETTER_THAN_RULES = ("article_char_f1", "comment_line_recall", "repeated_captions_marked",
                     "two_article_cut_within_one_paragraph", "two_article_cut_position_within_one_paragraph",
                     "single_article_never_cut")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def figures():
    import pages

    if not pages.data_present():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{pages.DATA} lacks the pages' data: the issue-13 gates cannot run")
        pytest.skip(f"{pages.DATA} is absent: issue-13 page gates skipped")
    pytest.importorskip("trafilatura", reason="the html extra is not installed: pip install 'copydesk[html]'")
    assert pages.data_digests() == DIGESTS, "the data changed: re-measure the floors"
    import fit_pages

    from copydesk.clean import CleanConfig

    built = pages.build_pages(pages.load_pages())
    stats = fit_pages.corpus_stats(built)
    return (fit_pages.evaluate(built, stats, CleanConfig(), held_out=True),
            fit_pages.evaluate(built, stats, fit_pages.RULES, held_out=True))


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_held_out_floor(figures, name):
    model, _ = figures
    assert model[name] >= FLOORS[name], model


def test_held_out_article_loss_on_comment_pages(figures):
    model, _ = figures
    for name, ceiling in CEILINGS.items():
        assert model[name] <= ceiling, model


@pytest.mark.parametrize("name", BETTER_THAN_RULES)
def test_page_model_beats_the_rules_alone(figures, name):
    model, rules = figures
    assert model[name] > rules[name], (model, rules)


def test_split_is_by_site_and_pinned():
    import pages

    assert pages.held_out("bbc.co.uk") == (pages.hashlib.sha256(b"bbc.co.uk").digest()[0] < 77)
    assert pages.host_of("https://www.bbc.co.uk/news/x") == "bbc.co.uk"
