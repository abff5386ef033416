"""Checkpoints of a run's stages, so that a killed run resumes instead of starting over.

A run keeps each stage's results in its work folder (``.OUT.partial-PID/.work/checkpoints``),
each file written whole and renamed into place, so a kill leaves either the whole checkpoint or
none. ``copydesk run ... --resume`` adopts the work folder of a killed run on the same output
(:class:`copydesk.store.OutputFolder`), loads the stages it finished and runs only the rest. A
checkpoint is used only when its fingerprint (copydesk version, configuration, inputs, and the
size and modification time of every input file) is the run's own: otherwise the run starts over
and says why.

Every stage is deterministic (``docs/output-format.md``, Determinism), so outputs from loaded
checkpoints are byte-identical to an uninterrupted run's; ``tests/test_faults.py`` checks it
after kills at each stage.

Example:
    >>> points = Checkpoints(Path("work"), fingerprint="abc", resume=True)  # doctest: +SKIP
    >>> points.load("read") is None  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["Checkpoints", "fingerprint"]


def fingerprint(inputs: Sequence[str | Path], config_dict: dict[str, Any], version: str) -> str | None:
    """What a checkpoint must match to be reused; None when the inputs cannot be fingerprinted
    (stdin), so that nothing is resumed."""
    from copydesk.ingest import walk_folder

    files: list[tuple[str, int, int]] = []
    for given in inputs:
        if str(given) == "-":
            return None
        path = Path(given)
        found = walk_folder(path)[0] if path.is_dir() else [path]
        for f in found:
            try:
                st = f.stat()
            except OSError:
                continue
            files.append((os.fsencode(f).hex(), st.st_size, st.st_mtime_ns))
    blob = json.dumps([version, config_dict, [str(i) for i in inputs], files], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


class Checkpoints:
    """The checkpoints of one run's work folder.

    Args:
        work: The run's work folder.
        fingerprint: The run's fingerprint (:func:`fingerprint`); None disables checkpoints.
        resume: Load the checkpoints found (else any found are ignored and replaced).
    """

    def __init__(self, work: Path, fingerprint: str | None, resume: bool) -> None:
        self.folder = work / "checkpoints"
        self.fingerprint = fingerprint
        self.resumed: list[str] = []
        self.note: str | None = None
        self._usable = False
        if fingerprint is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = self.folder / "fingerprint"
        if resume and stamp.exists():
            self._usable = stamp.read_text() == fingerprint
            if not self._usable:
                self.note = "the interrupted run had other settings or inputs; its checkpoints were not used"
        if not self._usable:
            for old in self.folder.glob("*.pkl"):
                old.unlink()
            stamp.write_text(fingerprint)

    def load(self, stage: str, part_of: str | None = None) -> Any | None:
        """The saved results of ``stage``, or None (not saved, or not resuming).

        Args:
            part_of: The stage this one belongs to, already counted as resumed.
        """
        path = self.folder / f"{stage}.pkl"
        if not self._usable or not path.exists():
            return None
        try:
            with open(path, "rb") as f:
                value = pickle.load(f)
        except Exception:  # noqa: BLE001 - a damaged checkpoint only means redoing the stage
            return None
        if part_of is None:
            self.resumed.append(stage)
        return value

    def save(self, stage: str, value: Any) -> None:
        """Keep the results of ``stage`` (written whole, then renamed into place)."""
        if self.fingerprint is None:
            return
        tmp = self.folder / f".{stage}.tmp"
        with open(tmp, "wb") as f:
            pickle.dump(value, f, protocol=5)
        os.replace(tmp, self.folder / f"{stage}.pkl")
