"""Cost of the enforced per-page time limit: HTML extraction in a killable child process
(``ingest.page_timeout_s > 0``, the default) against extraction in the reading process (``0``).

Reads the 181 pages of the scrapinghub article-extraction benchmark (../shared/data), extracts
each page both ways, alternating which goes first, and prints the total time of each and their
ratio; it also checks that both ways give the same text for every page.

    PYTHONPATH=src .venv/bin/python benchmarks/extract_isolation.py
"""

from __future__ import annotations

import gzip
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "scrapinghub_article_extraction_benchmark" / "html"


def main() -> int:
    from copydesk.ingest.html import extract_html, stop_extractor

    pages = [gzip.decompress(p.read_bytes()) for p in sorted(DATA.glob("*.html.gz"))]
    extract_html(pages[0], timeout_s=30)  # start the child, import trafilatura in both
    extract_html(pages[0], timeout_s=0)
    inline = isolated = 0.0
    for k, page in enumerate(pages):
        order = (0, 30) if k % 2 else (30, 0)
        texts = {}
        for timeout in order:
            started = time.perf_counter()
            result = extract_html(page, timeout_s=timeout)
            took = time.perf_counter() - started
            texts[timeout] = result.text if result else None
            if timeout:
                isolated += took
            else:
                inline += took
        if texts[0] != texts[30]:
            print(f"page {k}: the two ways differ", file=sys.stderr)
            return 1
    stop_extractor()
    print(f"{len(pages)} pages: in-process {inline:.2f} s, child process {isolated:.2f} s, "
          f"ratio {isolated / inline:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
