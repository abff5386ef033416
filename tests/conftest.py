from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("ci", max_examples=60, deadline=None)
settings.load_profile("ci")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The evaluation data beside the repository; tests using it skip where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"evaluation data not found at {SHARED_DATA} (clone the repo beside ../shared)")
    return SHARED_DATA


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    """A local Spark session for the Spark tests; they skip with the reason where pyspark or Java is missing."""
    from copydesk.engines.spark import SparkUnavailable
    from copydesk.engines.spark_testing import local_session

    try:
        session = local_session()
    except SparkUnavailable as e:
        pytest.skip(f"Spark tests need pyspark and Java 17: {e}")
    session.sparkContext.setCheckpointDir(str(tmp_path_factory.mktemp("checkpoints")))
    return session
