"""The local engine: a process pool (both cores by default) with progress bars.

Each worker process holds one :class:`~copydesk.pipeline.Context` (config, hasher, corpus
statistics, model), set once by the pool's initializer; tasks then carry only what differs
between them. Results come back in task order, so the output never depends on scheduling.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import signal
import sys
from collections import deque
from contextlib import contextmanager
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

T = TypeVar("T")
R = TypeVar("R")

__all__ = ["LocalEngine", "progress_bar"]

_context: Any = None


def _init(context: Any) -> None:
    global _context
    from copydesk.store import fault_point

    fault_point("worker_start")  # tests/test_faults.py: a signal while a worker starts
    # Ctrl-C reaches every process of the terminal's group, and SIGTERM every process of the
    # group or cgroup when a service manager, Slurm or `kill -- -PGID` stops the run. The
    # parent stops the run and the pool (with SIGKILL: _WorkerProcess), so a worker ignores
    # both: it neither prints its own traceback nor dies holding the pool's queue lock (an
    # idle worker holds it while it waits for a task, and the parent's Pool.terminate then
    # waited for it forever). Until these lines both are blocked (see signals_held).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _context = context


@contextmanager
def signals_held(*blocked: signal.Signals) -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back while processes start (or a pool stops), then deliver them.

    The handlers of SIGINT and SIGTERM (Python's KeyboardInterrupt, the CLI's SIGTERM one) only
    note a signal meanwhile, and run when the block ends: a KeyboardInterrupt inside
    ``Pool()`` left a pool half built, its first worker started and known to no one, which
    kept the run's pipes open after it exited (the Ctrl-C test waited out its timeout). The
    signals in ``blocked`` are also blocked in this thread, so that what it starts (a fork
    server and the resource tracker are new interpreters; a pool worker runs
    multiprocessing's bootstrap before :func:`_init`) inherits them blocked and cannot die of
    them, printing a traceback, before it ignores them. A process-wide signal still reaches
    the other threads (the progress display's), hence the noting handlers.

    Args:
        blocked: Signals to block in this thread (and in what it starts) meanwhile.
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted: list[int] = []
    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(signum)
        if callable(handler):  # not SIG_IGN (a background job's SIGINT) nor SIG_DFL
            previous[signum] = signal.signal(signum, lambda n, frame: noted.append(n))
    mask = None
    if blocked and hasattr(signal, "pthread_sigmask"):
        from multiprocessing import resource_tracker

        # Started first: its start unblocks SIGINT and SIGTERM in this thread when done (CPython
        # shields the tracker's own start that way, bpo-33613; the fork server's not at all).
        resource_tracker.ensure_running()
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, set(blocked))
    try:
        yield
    finally:
        if mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in dict.fromkeys(noted):
            previous[signum](signum, None)  # raises KeyboardInterrupt (or the CLI's SIGTERM exception)


class _WorkerProcess(multiprocessing.context.ForkServerProcess):
    """A pool worker that ``Pool.terminate()`` stops with SIGKILL: it ignores SIGTERM (see
    :func:`_init`), and holds nothing that needs cleaning up."""

    def terminate(self) -> None:
        self.kill()


class _WorkerContext(multiprocessing.context.ForkServerContext):
    Process = _WorkerProcess


def _call(job: tuple[Callable[[Any, Any], Any], Any]) -> Any:
    fn, task = job
    return fn(_context, task)


@contextmanager
def _main_script_hidden() -> Iterator[None]:
    """Start worker processes without making them re-run the caller's ``__main__``.

    A ``forkserver`` or ``spawn`` worker imports the main script again (as ``__mp_main__``)
    so that functions defined there can be unpickled. copydesk's workers only ever run
    copydesk's functions, and a script without an ``if __name__ == "__main__":`` guard would
    run its whole body again in each worker and die with "An attempt has been made to start a
    new process before the current process has finished its bootstrapping phase". The main
    module's ``__file__`` and ``__spec__``, what multiprocessing reads to find the script, are
    hidden while the pool (and the fork server) start.
    """
    main = sys.modules.get("__main__")
    saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if main is not None and k in main.__dict__}
    try:
        if main is not None:
            main.__dict__.pop("__file__", None)
            main.__dict__["__spec__"] = None  # multiprocessing reads it unguarded
        yield
    finally:
        if main is not None:
            if "__spec__" not in saved:
                main.__dict__.pop("__spec__", None)
            main.__dict__.update(saved)


class CountColumn(ProgressColumn):
    """``done/total`` with thousands separators, or ``done`` alone while the total is unknown
    (rich's own column shows ``0/?``)."""

    def render(self, task: Task) -> Text:
        done = f"{int(task.completed):,}"
        return Text(done if task.total is None else f"{done}/{int(task.total):,}", style="progress.download")


class SteadyTimeRemainingColumn(ProgressColumn):
    """Time left at the stage's average rate since it started.

    rich's column divides by the speed of the last 30 seconds; results come back in task order,
    so they arrive in bursts (a slow task holds back the finished ones behind it) and a burst
    made it promise one second for a 13-minute stage. The average since the start moves slowly
    and is right on average; it waits for 2% of the work (or 5 seconds) before guessing.
    """

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        if task.finished:
            return Text("done", style="progress.remaining")
        if task.total is None or not task.completed or (task.completed < 0.02 * task.total and elapsed < 5):
            return Text("-:--:-- left", style="progress.remaining")
        left = int(elapsed * (task.total - task.completed) / task.completed)
        return Text(f"{left // 3600}:{left % 3600 // 60:02d}:{left % 60:02d} left", style="progress.remaining")


def progress_bar(enabled: bool) -> Progress:
    """The progress display every long stage uses (silent when ``enabled`` is false), on stderr:
    stdout stays free for what a command prints (``copydesk query``'s JSON lines)."""
    from rich.console import Console

    return Progress(
        TextColumn("[bold]{task.description:<22}"),
        BarColumn(),
        CountColumn(),
        TextColumn("{task.fields[unit]}"),
        TimeElapsedColumn(),
        SteadyTimeRemainingColumn(),
        disable=not enabled,
        transient=False,
        console=Console(stderr=True),
    )


class LocalEngine:
    """Runs ``fn(context, task)`` over tasks, in worker processes or inline.

    Args:
        processes: Worker processes; 1 runs everything in this process.
        progress: The progress display to report to.
    """

    name = "local"

    def __init__(self, processes: int, progress: Progress) -> None:
        self.processes = processes
        self.progress = progress
        self._pool: Any = None
        self._context: Any = None

    def start(self, context: Any) -> None:
        """(Re)start the workers with a new shared context."""
        self.close()
        self._context = context
        if self.processes > 1:
            with _main_script_hidden(), signals_held(signal.SIGINT, signal.SIGTERM):
                self._pool = multiprocessing.pool.Pool(self.processes, initializer=_init, initargs=(context,),
                                                       context=_WorkerContext())

    def map(self, fn: Callable[[Any, T], R], tasks: Iterable[T], *, label: str, total: int | None = None,
            weight: Callable[[T], int] = lambda task: 1, unit: str = "docs") -> Iterator[R]:
        """Apply ``fn(context, task)`` to every task, yielding results in task order.

        ``tasks`` may be a generator still producing (a corpus being read): each task goes to
        the pool as soon as it is produced. ``weight`` says how much of ``total`` a task is, for the progress bar.
        """
        bar = self.progress.add_task(label, total=total, unit=unit)
        done = 0
        if self._pool is None:
            for task in tasks:
                result = fn(self._context, task)
                done += weight(task)
                self.progress.update(bar, completed=done)
                yield result
        else:
            # Tasks are produced here, in the main thread (reading a corpus needs it: the
            # per-page time limit of HTML extraction is a signal), and submitted as they come,
            # with a bounded number in flight; results are yielded in task order.
            pending: deque[tuple[int, Any]] = deque()
            for task in tasks:
                pending.append((weight(task), self._pool.apply_async(_call, ((fn, task),))))
                while pending and (len(pending) > 4 * self.processes or pending[0][1].ready()):
                    size, result = pending.popleft()
                    done += size
                    yield result.get()
                    self.progress.update(bar, completed=done)
            while pending:
                size, result = pending.popleft()
                done += size
                yield result.get()
                self.progress.update(bar, completed=done)
        self.progress.update(bar, total=done, completed=done)

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        """Show a one-step line for work done in this process (candidate generation, writing)."""
        task = self.progress.add_task(label, total=1, unit="step")
        yield
        self.progress.update(task, completed=1)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> LocalEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            with signals_held():  # a second Ctrl-C waits until the pool is gone
                self._pool.terminate()
                self._pool.join()
                self._pool = None
