"""The run cache: every training run trained once, resumable, and reused by every experiment that needs it.

A run is stored in ``<cache>/<spec.cache_file()>`` (a checkpoint written after every epoch by
:func:`lstm_book.training.fit`), so a finished run is loaded, an interrupted one resumes from its
last finished epoch, and ``--force`` retrains each run once per invocation. :meth:`Runs.prefetch`
trains the runs that are not cached yet in worker processes, most expensive first; experiments
then read them with :meth:`Runs.train`. The cache knows no experiment: a spec says how to build and
fit its model (see :mod:`lstm_book.book.pipeline.run_spec`).
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from lstm_book import matmul, training

FollowUp = Callable[[object, training.History], list]  # (finished spec, its history) -> runs it unlocks


def _worker(spec, path: str, device: str, progress: bool, threads: int, slots) -> str:
    """Process-pool entry point: train one run into its checkpoint (a bar in a free terminal row)."""
    torch.set_num_threads(threads)
    slot = slots.get()
    try:
        spec.fit(spec.build(), Path(path), torch.device(device), progress, position=slot)
    finally:
        slots.put(slot)
    return spec.name


class Runs:
    """Cached, resumable training runs for one invocation of the figure script.

    Args:
        cache: folder of the checkpoints.
        device: where to train.
        force: retrain every run once in this invocation, ignoring its cached checkpoint.
        progress: show progress bars.
        jobs: worker processes for :meth:`prefetch`.
        threads: torch threads per worker.
    """

    def __init__(self, cache: Path, device: torch.device, force: bool = False, progress: bool = True,
                 jobs: int = 1, threads: int = 1) -> None:
        self.cache, self.device, self.force, self.progress = cache, device, force, progress
        self.jobs, self.threads = jobs, threads
        self.trained: set[str] = set()  # runs this invocation trained (the others came from the cache)
        self.records: dict[str, dict] = {}  # entries of results.json's "runs", by name
        self.used: set[str] = set()  # runs read through train() since the last clear_used()
        self._forced: set[Path] = set()  # checkpoints already deleted by --force
        self._trained_on: dict[str, dict | None] = {}  # provenance of each run read by train(), by name

    def path(self, spec) -> Path:
        return self.cache / spec.cache_file()

    def _checkpoint(self, spec) -> dict | None:
        """The cached state of a run (after ``--force`` has had its once-per-invocation say), if any."""
        path = self.path(spec)
        if self.force and path not in self._forced and path.exists():
            path.unlink()
        self._forced.add(path)
        return training.load_checkpoint(path) if path.exists() else None

    def train(self, spec) -> tuple[training.History, nn.Module]:
        """Train, resume or load one run; returns its history and its model (on the CPU, eval mode)."""
        state = self._checkpoint(spec)
        cached = bool(state and state.get("complete"))
        if not cached:
            self.trained.add(spec.name)
        model = spec.build()
        history = spec.fit(model, self.path(spec), self.device, self.progress)
        model.cpu().eval()
        self.used.add(spec.name)
        # a finished checkpoint says where it was trained (None if written before that was recorded); a run this
        # call finished was trained by this process
        self._trained_on[spec.name] = state.get("provenance") if cached else matmul.provenance()
        record = spec.record(history, model)
        if record is not None:
            self.records[spec.name] = {**record, "trained_on": self.provenance(spec)}
        last = history.test_acc[-1] if len(history) else float("nan")
        print(f"   {spec.name}: {len(history)} epochs, final test acc {last:.3f}, "
              f"{sum(history.seconds):.0f} s of training", flush=True)
        return history, model

    def provenance(self, spec) -> dict | None:
        """Where and how a run read by :meth:`train` was trained (``lstm_book.matmul.provenance()``: CPU, PyTorch,
        kernels); ``None`` for a checkpoint written before it was recorded. Not part of the cache key, so a
        cached run is reused on any machine."""
        return self._trained_on[spec.name]

    def model_after(self, spec, epoch: int) -> nn.Module:
        """The run's model after ``epoch`` epochs (0: its seeded initial weights), from its kept snapshots."""
        model = spec.build()
        if epoch:
            model.load_state_dict(training.snapshots(self.path(spec))[epoch - 1])
        return model.eval()

    def clear_used(self) -> set[str]:
        """The runs read since the last call (an experiment's runs, when called around its measure)."""
        used, self.used = self.used, set()
        return used

    def prefetch(self, specs: list, follow_up: FollowUp | None = None) -> None:
        """Train the runs that are not cached yet in ``jobs`` worker processes, most expensive first.

        ``follow_up(spec, history)`` names the runs that a finished run unlocks (the frontier's next
        length); they join the queue as soon as it finishes. Every run is independent and seeded, so
        the results are those of training them one by one, in any order; experiments then load them.
        """
        follow_up = follow_up or (lambda spec, history: [])
        seen: set[str] = set()
        done: dict[str, training.History] = {}  # finished runs (cached or trained now), by name
        todo: list = []

        def unlock(spec) -> None:
            for unlocked in follow_up(spec, done[spec.name]):
                consider(unlocked)

        def finish(spec, history: training.History) -> None:
            done[spec.name] = history
            unlock(spec)

        def consider(spec) -> None:
            if spec.name in seen:
                if spec.name in done:  # a run trained for a probe may be reached by the rule only later
                    unlock(spec)
                return
            seen.add(spec.name)
            state = self._checkpoint(spec)
            if state is not None and state.get("complete"):
                finish(spec, training.History.from_dict(state["history"]))
            else:
                todo.append(spec)

        for spec in specs:
            consider(spec)
        if self.jobs <= 1 or not todo:
            return
        print(f"Training {len(todo)} runs in {self.jobs} worker processes ...", flush=True)
        finished: queue.Queue = queue.Queue()
        with multiprocessing.Manager() as manager:
            slots = manager.Queue()
            for k in range(self.jobs):
                slots.put(k)
            pool = multiprocessing.get_context("spawn").Pool(processes=self.jobs)
            in_flight = 0

            def launch() -> None:
                nonlocal in_flight
                todo.sort(key=lambda s: s.cost())
                while todo and in_flight < self.jobs:
                    spec = todo.pop()  # the most expensive waiting run
                    job = (spec, str(self.path(spec)), str(self.device), self.progress, self.threads, slots)
                    pool.apply_async(_worker, job, callback=lambda _, s=spec: finished.put((s, None)),
                                     error_callback=lambda err, s=spec: finished.put((s, err)))
                    in_flight += 1

            try:
                launch()
                while in_flight:
                    spec, err = finished.get()
                    in_flight -= 1
                    if err is not None:
                        raise err
                    print(f"   trained {spec.name}", flush=True)
                    self.trained.add(spec.name)
                    finish(spec, training.History.from_dict(training.load_checkpoint(self.path(spec))["history"]))
                    launch()
                pool.close()
            except BaseException:
                pool.terminate()  # Ctrl-C: stop the workers now; finished epochs are already checkpointed
                raise
            finally:
                pool.join()
