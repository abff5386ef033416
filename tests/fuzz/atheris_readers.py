"""Coverage-guided fuzzing of the readers with atheris (libFuzzer), run by tests/test_fuzz.py
for a bounded number of inputs: ``python tests/fuzz/atheris_readers.py -runs=4000``.

Each input's first byte picks a reader (JSONL, gzip JSONL, text decoding, a JSON record); the
rest is the file. Any exception out of a reader is a crash: a reader must turn every input into
documents and problems.
"""

from __future__ import annotations

import gzip
import io
import sys

import atheris

from copydesk.config import IngestConfig  # imported first: only the readers are instrumented
from copydesk.types import Document

with atheris.instrument_imports(include=["copydesk.ingest"]):
    from copydesk.ingest import Problem, _parse_record, _read_jsonl_stream, decode
    from copydesk.ingest.safe import has_surrogates

CONFIG = IngestConfig(max_line_bytes=4096)


def check(items) -> None:
    for item in items:
        if not isinstance(item, (Document, Problem)):
            raise AssertionError(f"reader yielded {type(item).__name__}")
        if isinstance(item, Document) and (has_surrogates(item.id) or has_surrogates(item.text)):
            raise AssertionError("a lone surrogate reached a document")


def one_input(data: bytes) -> None:
    if not data:
        return
    choice, body = data[0] % 4, data[1:]
    if choice == 0:
        check(_read_jsonl_stream(io.BytesIO(body), "fuzz.jsonl", CONFIG))
    elif choice == 1:
        check(_read_jsonl_stream(gzip.GzipFile(fileobj=io.BytesIO(body)), "fuzz.jsonl.gz", CONFIG))
    elif choice == 2:
        text, _ = decode(body, "fuzz.txt")
        text.encode("utf-8", "surrogatepass")
    else:
        check([_parse_record(body, "fuzz.jsonl:1", CONFIG)])


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
