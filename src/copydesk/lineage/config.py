"""The lineage stage's configuration (``[lineage]`` in TOML, ``--lineage-...`` flags)."""

from __future__ import annotations

from dataclasses import dataclass

from copydesk.errors import ConfigError

__all__ = ["LineageConfig"]


@dataclass(frozen=True)
class LineageConfig:
    """How directions are decided.

    Attributes:
        min_lag_hours: One date decides only when it is at least this many hours before the
            other (equal or nearly equal timestamps say nothing; two day-only dates of one day
            never decide, whatever this is). On the train split of the lineage corpus
            (tests/test_lineage_gate.py) every value from 0 to 12 hours gave the same, all
            right: 1 hour is a margin for clocks without seconds and minutes-apart reposts.
        min_outlet_pairs: Decided pairs from one outlet to another (none the other way) that
            let their record decide an undated pair between them. Train split: directions
            given for 0.868 of derived pairs at 3, 0.895 at 2, 0.921 at 1, all right at each.
        min_republisher_pairs: Decided pairs an outlet needs before its share of taking counts
            (the republisher rule): a single syndicated copy must not make an outlet a
            republisher.
        republisher_share: Share of its decided pairs an outlet took from another for it to
            count as a republisher (and 1 minus it, the share below which an outlet counts as
            an originator). Train split: 0.7, 0.8 and 0.9 gave the same; the content farm and
            the aggregator took in every decided pair, ordinary outlets in at most a fifth.
    """

    min_lag_hours: float = 1.0
    min_outlet_pairs: int = 1
    min_republisher_pairs: int = 5
    republisher_share: float = 0.8

    def __post_init__(self) -> None:
        if not self.min_lag_hours >= 0:
            raise ConfigError(f"lineage.min_lag_hours must be 0 or more, not {self.min_lag_hours}")
        if self.min_outlet_pairs < 1:
            raise ConfigError(f"lineage.min_outlet_pairs must be at least 1, not {self.min_outlet_pairs}")
        if self.min_republisher_pairs < 1:
            raise ConfigError(f"lineage.min_republisher_pairs must be at least 1, not {self.min_republisher_pairs}")
        if not 0.5 < self.republisher_share <= 1:
            raise ConfigError(f"lineage.republisher_share must be in (0.5, 1], not {self.republisher_share}")
