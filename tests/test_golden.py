"""Both engines still write the recorded golden outputs (``tests/golden.py`` says how and why)."""

from __future__ import annotations

import pytest

from tests import golden


@pytest.mark.parametrize("name", sorted(golden.CORPORA))
def test_local_engine_writes_the_golden_outputs(name, tmp_path, monkeypatch):
    from copydesk.pipeline import find_reuse

    monkeypatch.chdir(golden.REPO)
    find_reuse(golden.CORPORA[name], tmp_path / "out", golden.config())
    golden.assert_same(name, golden.actual(tmp_path / "out"))


@pytest.mark.parametrize("name", ["sample", "rewrite", "reuse"])
def test_spark_engine_writes_the_golden_outputs(name, spark, tmp_path, monkeypatch):
    from copydesk.engines.spark import find_reuse_spark

    monkeypatch.chdir(golden.REPO)
    find_reuse_spark(golden.CORPORA[name], tmp_path / "out", golden.config().replace(engine="spark"))
    golden.assert_same(name, golden.actual(tmp_path / "out"))
