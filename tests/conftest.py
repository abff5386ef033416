from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# No timing in tests: no deadline, and no "data generation too slow" health check (on a loaded
# 2-core machine it fails property tests that are right).
settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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


# In CI (CI=true) nothing may skip: a gate whose data, extra, browser or Java is missing would turn a
# green run into one that proved nothing. A skip there becomes a failure carrying the skip's reason.
# The only exception is a test that marks itself `allow_skip_in_ci` and says why in its reason (a
# facility the CI machine may not give, such as mounting a tmpfs without root).
def pytest_configure(config):
    config.addinivalue_line("markers", "allow_skip_in_ci: a skip that is legitimate in CI (say why)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if (
        os.environ.get("CI") == "true"
        and report.skipped
        and not hasattr(report, "wasxfail")
        and item.get_closest_marker("allow_skip_in_ci") is None
    ):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped in CI (CI=true), which counts as a failure: {reason}"
