"""Engines move records between the pure stage functions of :mod:`copydesk.pipeline`.

``local`` runs them in a process pool on one machine; ``spark`` on an Apache Spark cluster.
Both call the same functions, so both give the same answer.
"""
