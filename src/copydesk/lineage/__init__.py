"""Lineage: who took whose text.

- :mod:`~copydesk.lineage.dates`: publication dates, their origin, date lines in texts.
- :mod:`~copydesk.lineage.credits`: agency and outlet credit lines.
- :mod:`~copydesk.lineage.derive`: :func:`derive`, the direction of every match, the source of
  every copy cluster and the outlet table, one pure function both engines call.
- :mod:`~copydesk.lineage.records`: the fields it adds to the output records.
"""

from copydesk.lineage.derive import (
    BASES,
    ClusterLineage,
    DocFacts,
    Direction,
    Lineage,
    LineageConfig,
    OutletRecord,
    derive,
    doc_facts,
    outlet_of,
)

__all__ = ["BASES", "ClusterLineage", "DocFacts", "Direction", "Lineage", "LineageConfig", "OutletRecord",
           "derive", "doc_facts", "outlet_of"]
