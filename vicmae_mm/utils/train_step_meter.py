# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Time and memory of one ``model.train_step``, split into its phases.

Used by ``tools/analysis/benchmark_train.py``; benchmark code, not part of
training.
"""
import os
import statistics
import threading
import time
from typing import Callable, Dict, List, Optional

import torch
from torch import nn

PHASES = ('data', 'forward', 'backward', 'optimizer')


def rss_mb() -> float:
    """Resident set size of this process in MiB (Linux ``/proc``)."""
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


class _RssPeak:
    """Peak RSS, sampled every 2 ms in a thread while the context is open."""

    def __enter__(self) -> '_RssPeak':
        self.start = self.peak = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.002):
            self.peak = max(self.peak, rss_mb())

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


def persistent_mb(model: nn.Module, optimizer: torch.optim.Optimizer) -> float:
    """MiB held between steps: parameters, buffers and optimizer state.

    Args:
        model (nn.Module): The model.
        optimizer (torch.optim.Optimizer): Its optimizer.

    Returns:
        float: Size of the distinct storages, in MiB.

    Example:
        >>> lin = torch.nn.Linear(256, 256)
        >>> opt = torch.optim.SGD(lin.parameters(), lr=0.1)
        >>> round(persistent_mb(lin, opt), 3)
        0.251
    """
    seen: Dict[int, int] = {}
    tensors = list(model.parameters()) + list(model.buffers())
    for state in optimizer.state.values():
        tensors += [v for v in state.values() if isinstance(v, torch.Tensor)]
    for t in tensors:
        storage = t.untyped_storage()
        seen[storage.data_ptr()] = storage.nbytes()
    return sum(seen.values()) / 2**20


class TrainStepMeter:
    """Time ``model.train_step`` and its phases; measure its peak memory.

    The phases are timed by wrapping, on these instances only, the data
    preprocessor's ``forward`` (data: host-to-device copy, float cast,
    normalisation) and the optimizer wrapper's ``backward``, ``step`` and
    ``zero_grad``; forward is the rest of the step (model forward and loss
    parsing). On CUDA every phase boundary synchronises the device. Keep
    ``split=False`` for a compiled step (the wrappers would break its graph).

    Memory: the peak during the step above the memory at its start
    (``torch.cuda.max_memory_allocated``, or on CPU the process RSS sampled
    every 2 ms, an approximation) plus :func:`persistent_mb`; on CUDA also
    ``torch.cuda.max_memory_reserved`` (the allocator's peak, fragmentation
    included, for every model of the process).

    Args:
        model (nn.Module): Model whose ``train_step`` is measured.
        optim_wrapper: Its mmengine optimizer wrapper.
        device (str): 'cpu' or 'cuda'.
        split (bool): Time the phases. Defaults to True.

    Example:
        >>> from mmengine.model import BaseModel
        >>> from mmengine.optim import OptimWrapper
        >>> class Toy(BaseModel):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.lin = torch.nn.Linear(4, 1)
        ...     def forward(self, inputs, data_samples=None, mode='loss'):
        ...         return dict(loss=self.lin(inputs).pow(2).mean())
        >>> toy = Toy()
        >>> meter = TrainStepMeter(toy, OptimWrapper(
        ...     torch.optim.SGD(toy.parameters(), lr=0.1)), 'cpu')
        >>> rec = meter.run(toy.train_step, dict(inputs=torch.ones(2, 4)))
        >>> sorted(rec)  # doctest: +NORMALIZE_WHITESPACE
        ['backward', 'cpu_s', 'data', 'forward', 'mem_mb', 'optimizer',
         'wall_s']
    """

    def __init__(self,
                 model: nn.Module,
                 optim_wrapper,
                 device: str,
                 split: bool = True) -> None:
        self.model, self.optim_wrapper = model, optim_wrapper
        self.cuda = device == 'cuda'
        self.split = split
        self._acc: Dict[str, float] = {}
        if split:
            self._wrap(model.data_preprocessor, 'forward', 'data')
            for name in ('backward', 'step', 'zero_grad'):
                self._wrap(optim_wrapper, name,
                           'backward' if name == 'backward' else 'optimizer')

    def sync(self) -> None:
        if self.cuda:
            torch.cuda.synchronize()

    def _wrap(self, obj, name: str, phase: str) -> None:
        method = getattr(obj, name)

        def timed(*args, **kwargs):
            self.sync()
            t0 = time.perf_counter()
            out = method(*args, **kwargs)
            self.sync()
            self._acc[phase] += time.perf_counter() - t0
            return out

        setattr(obj, name, timed)  # shadows the bound method

    def run(self, step: Callable, data: dict,
            before: Optional[Callable[[], None]] = None) -> Dict[str, float]:
        """Run and measure one step.

        Args:
            step (Callable): ``model.train_step`` or its compiled version.
            data (dict): The batch, as the dataloader yields it.
            before (Callable, optional): Called first, untimed (e.g. a
                hook's update of the model). Defaults to None.

        Returns:
            Dict[str, float]: ``wall_s``, ``cpu_s`` (``time.process_time``
            of the whole process), ``mem_mb`` and, with ``split``, the
            seconds of each phase in :data:`PHASES`.
        """
        if before is not None:
            before()
        self._acc = dict.fromkeys(PHASES, 0.)
        self.sync()
        if self.cuda:
            torch.cuda.reset_peak_memory_stats()
            base = torch.cuda.memory_allocated()
        with _RssPeak() as rss:
            c0, t0 = time.process_time(), time.perf_counter()
            logs = step(data, self.optim_wrapper)
            self.sync()
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        if self.cuda:
            step_mb = (torch.cuda.max_memory_allocated() - base) / 2**20
        else:
            step_mb = rss.peak - rss.start
        rec = dict(wall_s=wall, cpu_s=cpu, mem_mb=step_mb + persistent_mb(
            self.model, self.optim_wrapper.optimizer))
        if self.cuda:  # the caching allocator's peak, every model included
            rec['reserved_mb'] = torch.cuda.max_memory_reserved() / 2**20
        if self.split:
            rec.update(self._acc)
            rec['forward'] = wall - sum(self._acc.values())
        loss = float(logs['loss'].detach())
        if loss != loss:
            raise RuntimeError(f'{type(self.model).__name__}: loss is NaN')
        return rec


def summarise(records: List[Dict[str, float]], pairs: int) -> dict:
    """Medians over the timed steps of :meth:`TrainStepMeter.run` records.

    Args:
        records (List[Dict[str, float]]): One record per step.
        pairs (int): Pairs per step.

    Returns:
        dict: ``ms_per_step`` (median wall time), ``cpu_ms_per_step``,
        ``pairs_per_s``, ``peak_mem_mb`` (max), ``recompiles`` (sum),
        ``ms_steps`` (every step) and, if measured, ``split_ms`` (median of
        each phase) and ``peak_reserved_mb`` (max).

    Example:
        >>> recs = [dict(wall_s=w, cpu_s=w, mem_mb=1.) for w in (1, 3, 2)]
        >>> summarise(recs, 4)['pairs_per_s']
        2.0
    """
    med = {k: statistics.median(r[k] for r in records) for k in records[0]}
    out = dict(ms_per_step=1e3 * med['wall_s'],
               cpu_ms_per_step=1e3 * med['cpu_s'],
               pairs_per_s=pairs / med['wall_s'],
               peak_mem_mb=max(r['mem_mb'] for r in records),
               recompiles=sum(r.get('recompiles', 0) for r in records),
               ms_steps=[round(1e3 * r['wall_s'], 1) for r in records])
    if 'forward' in med:
        out['split_ms'] = {k: 1e3 * med[k] for k in PHASES}
    if 'reserved_mb' in med:
        out['peak_reserved_mb'] = max(r['reserved_mb'] for r in records)
    return out


def profile_table(fn: Callable[[], object], steps: int, cuda: bool) -> str:
    """``torch.profiler`` per-op table (top 15 by self time) of ``fn``.

    Args:
        fn (Callable): One training step.
        steps (int): How many times to call it.
        cuda (bool): Also profile CUDA and sort by self CUDA time.

    Returns:
        str: The table.
    """
    from torch.profiler import ProfilerActivity, profile
    acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    with profile(activities=acts) as prof:
        for _ in range(steps):
            fn()
    return prof.key_averages().table(
        sort_by='self_cuda_time_total' if cuda else 'self_cpu_time_total',
        row_limit=15, max_name_column_width=40)
