"""Configuration: one frozen dataclass per stage, assembled into :class:`Config`.

The TOML file and the command-line flags are both generated from these dataclasses, so there
is one way to configure: a field ``min_jaccard`` of the ``near`` section is ``[near]
min_jaccard = 0.8`` in TOML and ``--near-min-jaccard 0.8`` on the command line (a field may
name a shorter flag in its metadata). Every section validates itself on construction.

Example:
    >>> cfg = Config.from_mapping({"near": {"min_jaccard": 0.9}})
    >>> cfg.near.min_jaccard
    0.9
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from copydesk.errors import ConfigError
from copydesk.passages import PassageConfig
from copydesk.clean import CleanConfig
from copydesk.semantic import RewriteConfig, StoryConfig
from copydesk.lineage.config import LineageConfig

__all__ = [
    "STAGES",
    "ClusterConfig",
    "Config",
    "ConfigError",
    "IngestConfig",
    "NearConfig",
    "OutputConfig",
]

STAGES: tuple[str, ...] = ("clean", "exact", "near", "passages", "rewrite", "story")
"""Stages in pipeline order; ``--stages`` picks a subset (reading, clustering and writing
always run)."""


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ConfigError(message)


@dataclass(frozen=True)
class IngestConfig:
    """How documents are read.

    Attributes:
        id_field: JSONL field holding the document id.
        text_field: JSONL field holding the text.
        on_error: ``skip`` a bad record (reported with file and line) or ``fail`` the run.
        max_doc_chars: Longer documents are matched on their first ``max_doc_chars``
            characters only (and a warning says so): one 50 MB page must not stall the run.
        page_timeout_s: Time limit for extracting the article of one HTML page or WARC record;
            a slower page is skipped and reported (0: no limit). trafilatura takes well under a
            second on ordinary pages; 30 s only catches pathological markup.
        max_line_bytes: Longest JSONL line read, in bytes: a longer one is skipped and reported
            (file and line) and the rest of the file is read. Lines are read in bounded pieces,
            so a record of gigabytes, or a small ``.jsonl.gz`` that inflates to gigabytes
            without a newline, cannot take all memory. 20 MB, the HTML page limit, holds a
            record whose text is ``max_doc_chars`` (2 M) characters even at 4 bytes per
            character plus JSON escapes.
        languages: Keep only documents in these languages (ISO 639-1 codes as
            ``documents.jsonl`` gives them, ``und`` for undetermined); empty keeps every language.
        drop_languages: Drop documents in these languages (applied after ``languages``).
        skip_files: File-name patterns (shell globs, any case) that a folder's walk leaves
            out, matched against every part of the path inside the folder given: a
            repository's README, licence and SOURCE_COMMIT files and hidden files and folders
            are not documents. A file named on the command line is always read; an empty list
            reads every file of a known kind.
    """

    id_field: str = "id"
    text_field: str = "text"
    on_error: Literal["skip", "fail"] = field(default="skip", metadata={"flag": "--on-error"})
    max_doc_chars: int = 2_000_000
    page_timeout_s: float = 30.0
    max_line_bytes: int = 20_000_000
    languages: tuple[str, ...] = field(default=(), metadata={"flag": "--languages"})
    drop_languages: tuple[str, ...] = field(default=(), metadata={"flag": "--drop-languages"})
    skip_files: tuple[str, ...] = ("README*", "LICENSE*", "LICENCE*", "COPYING*", "CHANGELOG*", "SOURCE_COMMIT*",
                                   ".*")

    def __post_init__(self) -> None:
        _check(self.on_error in ("skip", "fail"), f"on_error must be skip or fail, not {self.on_error!r}")
        for code in (*self.languages, *self.drop_languages):
            _check(isinstance(code, str) and code.isalpha() and code.islower() and 2 <= len(code) <= 3,
                   f"languages are ISO 639-1 codes such as de or zh (und: undetermined), not {code!r}")
        _check(self.max_doc_chars >= 1000, f"max_doc_chars must be at least 1000, not {self.max_doc_chars}")
        _check(self.page_timeout_s >= 0, f"page_timeout_s must be 0 (no limit) or more, not {self.page_timeout_s}")
        _check(math.isfinite(self.page_timeout_s),
               f"page_timeout_s must be a finite number of seconds (0: no limit), not {self.page_timeout_s}")
        _check(self.max_line_bytes >= 1000, f"max_line_bytes must be at least 1000, not {self.max_line_bytes}")


@dataclass(frozen=True)
class NearConfig:
    """Near-duplicates: MinHash over word shingles with LSH banding, every candidate verified.

    Attributes:
        min_jaccard: Word-shingle Jaccard similarity from which two documents are
            near-duplicates. 0.8 is the customary threshold of MinHash deduplication (and the
            datasketch pipeline we compare against); copies with a changed word every 20 words
            or a different sentence here and there stay above it.
        num_perm: Signature length (power of two). 128 gives a standard error of about 0.035 at
            Jaccard 0.8, which verification on the exact shingle sets then removes.
        ngram: Words per shingle. 5 words are rare enough that unrelated news texts share
            almost none, and short enough that a one-word edit spoils only 5 shingles.
        seed: Hash seed; signatures of different seeds never compare.
    """

    min_jaccard: float = 0.8
    num_perm: int = 128
    ngram: int = 5
    seed: int = 1

    def __post_init__(self) -> None:
        _check(0.0 < self.min_jaccard <= 1.0, f"near.min_jaccard must be in (0, 1], not {self.min_jaccard}")
        _check(
            16 <= self.num_perm <= 4096 and self.num_perm & (self.num_perm - 1) == 0,
            f"near.num_perm must be a power of two from 16 to 4096, not {self.num_perm}",
        )
        _check(1 <= self.ngram <= 16, f"near.ngram must be from 1 to 16, not {self.ngram}")


@dataclass(frozen=True)
class ClusterConfig:
    """How copy clusters are formed and which member represents each.

    Attributes:
        representative: ``longest`` (most characters of article text, then smallest id),
            ``earliest`` (earliest ``published``, then longest, then smallest id) or
            ``smallest_id``. Every rule ends on the id, so the kept copy never depends on input
            order or on the number of processes. ``source``: the member the others derive from
            (lineage), where the cluster has one, else as ``longest`` (local engine only).
        drop_level: ``copy`` keeps one document per copy cluster in ``deduplicated.jsonl``;
            ``story`` keeps one per story cluster.
        story_linkage: Two groups of copy clusters join one story cluster while at least this
            share of the pairs of their copy clusters are related by a match
            (:func:`copydesk.cluster.story_groups`). 0 gives the connected components of every
            match, where any chain of relations (A-B, B-C, C-D) joins its ends; chosen on
            people's ratings of the same event (BENCHMARKS.md, Languages).
    """

    representative: Literal["longest", "earliest", "smallest_id", "source"] = "longest"
    drop_level: Literal["copy", "story"] = "copy"
    story_linkage: float = 0.35

    def __post_init__(self) -> None:
        _check(
            self.representative in ("longest", "earliest", "smallest_id", "source"),
            f"cluster.representative must be longest, earliest, smallest_id or source, not {self.representative!r}",
        )
        _check(self.drop_level in ("copy", "story"), f"cluster.drop_level must be copy or story, not {self.drop_level!r}")
        _check(0.0 <= self.story_linkage <= 1.0, f"cluster.story_linkage must be in [0, 1], not {self.story_linkage!r}")


@dataclass(frozen=True)
class OutputConfig:
    """What the output folder holds.

    Attributes:
        keep_text: Also write each document's text into ``documents.jsonl`` (offsets refer to it).
        parquet: Write the outputs as Parquet: the Spark engine writes partitioned Parquet
            folders instead of JSONL files, for results too large for one file; the local
            engine writes one Parquet file beside each JSONL file (``show``, ``explain`` and
            the report read the JSONL).
    """

    keep_text: bool = field(default=False, metadata={"flag": "--keep-text"})
    parquet: bool = False


def _default_processes() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@dataclass(frozen=True)
class Config:
    """The whole run's configuration.

    Attributes:
        stages: Stages to run, a subset of :data:`STAGES` in any order.
        processes: Worker processes for the local engine; 0 means one per available core.
        batch_docs: Documents per unit of parallel work.
        engine: ``local`` (multiprocessing) or ``spark``.
    """

    stages: tuple[str, ...] = STAGES
    processes: int = 0
    batch_docs: int = 1000
    engine: Literal["local", "spark"] = "local"
    ingest: IngestConfig = IngestConfig()
    clean: CleanConfig = CleanConfig()
    near: NearConfig = NearConfig()
    passages: PassageConfig = PassageConfig()
    rewrite: RewriteConfig = RewriteConfig()
    story: StoryConfig = StoryConfig()
    cluster: ClusterConfig = ClusterConfig()
    output: OutputConfig = OutputConfig()
    lineage: LineageConfig = LineageConfig()

    def __post_init__(self) -> None:
        stages = tuple(self.stages)
        unknown = [s for s in stages if s not in STAGES]
        _check(not unknown, f"unknown stage(s) {', '.join(unknown)}; choose from {', '.join(STAGES)}")
        object.__setattr__(self, "stages", tuple(s for s in STAGES if s in stages))
        _check(self.processes >= 0, f"processes must be 0 (all cores) or more, not {self.processes}")
        _check(self.batch_docs >= 1, f"batch_docs must be at least 1, not {self.batch_docs}")
        _check(self.engine in ("local", "spark"), f"engine must be local or spark, not {self.engine!r}")
        _check(not (self.cluster.representative == "source" and self.engine == "spark"),
               "cluster.representative = source needs the local engine (--engine local); with Spark use longest")

    @property
    def workers(self) -> int:
        """Number of worker processes the local engine will use: ``processes``, at most one per
        available core (more only cost memory: each worker holds the run's context)."""
        return min(self.processes, _default_processes()) if self.processes else _default_processes()

    def runs(self, stage: str) -> bool:
        """Whether ``stage`` is part of this run."""
        return stage in self.stages

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> Config:
        """Build a config from nested dicts (as read from TOML), rejecting unknown keys."""
        return _build(cls, values, "")

    @classmethod
    def from_toml(cls, path: str | Path) -> Config:
        """Read a TOML config file.

        Raises:
            ConfigError: if the file is missing, not TOML, or holds an unknown or invalid key.
        """
        try:
            with open(path, "rb") as f:
                return cls.from_mapping(tomllib.load(f))
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist") from None
        except IsADirectoryError:
            raise ConfigError(f"config file {path} is a folder; name the TOML file itself") from None
        except OSError as e:
            raise ConfigError(f"config file {path} cannot be read ({e.strerror}); check its permissions") from None
        except UnicodeDecodeError as e:
            raise ConfigError(f"config file {path} is not UTF-8 text ({e.reason} at byte {e.start}); "
                              "save it as UTF-8") from None
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"config file {path} is not valid TOML: {e}") from None

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict (for ``run.json``)."""
        return dataclasses.asdict(self)

    def replace(self, **sections: Any) -> Config:
        """A copy with some top-level fields or sections replaced."""
        return dataclasses.replace(self, **sections)


def _build(cls: type, values: dict[str, Any], prefix: str) -> Any:
    if not isinstance(values, dict):
        raise ConfigError(f"[{prefix.rstrip('.')}] must be a table, not {values!r}")
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(f"unknown setting {prefix}{key}; known: {', '.join(sorted(known))}")
        hint = hints[key]
        if dataclasses.is_dataclass(hint):
            kwargs[key] = _build(hint, value, f"{prefix}{key}.")
        else:
            kwargs[key] = _coerce(value, hint, f"{prefix}{key}")
    try:
        return cls(**kwargs)
    except ConfigError:
        raise
    except (TypeError, ValueError) as e:
        raise ConfigError(f"invalid {prefix.rstrip('.') or 'config'}: {e}") from None


def _coerce(value: Any, hint: Any, name: str) -> Any:
    """Check (and gently convert) a value against a field's type."""
    origin = typing.get_origin(hint)
    if origin is Literal:
        if value not in typing.get_args(hint):
            choices = ", ".join(map(str, typing.get_args(hint)))
            raise ConfigError(f"{name} must be one of {choices}, not {value!r}")
        return value
    if origin is tuple:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{name} must be a list, not {value!r}")
        return tuple(value)
    if hint is bool:
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
            return value.lower() in ("true", "1", "yes")
        if not isinstance(value, bool):
            raise ConfigError(f"{name} must be true or false, not {value!r}")
        return value
    if hint is int or hint is float:
        if isinstance(value, bool):  # TOML `true` is not the number 1
            raise ConfigError(f"{name} must be a number, not {str(value).lower()}")
        try:
            number = hint(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{name} must be a number, not {value!r}") from None
        if hint is int and isinstance(value, float) and not value.is_integer():
            raise ConfigError(f"{name} must be a whole number, not {value!r}")
        if hint is float and not math.isfinite(number):
            raise ConfigError(f"{name} must be a finite number, not {value!r}")
        return number
    if hint is str or hint == (str | None):
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{name} must be a string, not {value!r}")
        return value
    return value


def flag_specs(cls: type = Config, prefix: str = "") -> list[tuple[str, str, Any, str]]:
    """``(flag, dotted_name, type_hint, help)`` for every leaf setting, for the CLI."""
    specs = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        dotted = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(hint):
            specs.extend(flag_specs(hint, f"{dotted}."))
            continue
        flag = f.metadata.get("flag") or "--" + dotted.replace(".", "-").replace("_", "-")
        specs.append((flag, dotted, hint, _field_doc(cls, f.name)))
    return specs


def _field_doc(cls: type, name: str) -> str:
    """The field's line(s) from the class docstring's Attributes section."""
    doc = cls.__doc__ or ""
    lines = doc.splitlines()
    for i, line in enumerate(lines):
        if line.strip().startswith(f"{name}:"):
            text = [line.strip()[len(name) + 1 :].strip()]
            indent = len(line) - len(line.lstrip())
            for nxt in lines[i + 1 :]:
                if not nxt.strip() or len(nxt) - len(nxt.lstrip()) <= indent:
                    break
                text.append(nxt.strip())
            return " ".join(text).replace("%", "%%")
    return ""


def with_overrides(config: Config, overrides: dict[str, Any]) -> Config:
    """Apply dotted overrides (``{"near.min_jaccard": 0.9}``) on top of ``config``."""
    nested: dict[str, Any] = {}
    for dotted, value in overrides.items():
        node = nested
        *parents, leaf = dotted.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    merged = _merge(config.to_dict(), nested)
    return Config.from_mapping(merged)


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in top.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out
