# Copyright (c) vicmae_mm contributors. All rights reserved.
from collections import Counter
from typing import Dict, Optional, Sequence

from mmengine.dist import all_gather_object, get_world_size, is_main_process
from mmengine.hooks import Hook
from mmengine.runner import BaseLoop
from mmpretrain.registry import HOOKS

DATA_BATCH = Optional[dict]
_BAD = ('missing', 'empty', 'corrupt')


def check_loader_yields_batches(loader,
                                name: str = 'train_dataloader') -> None:
    """Fail early when an epoch of ``loader`` would hold no batch.

    With ``drop_last=True`` and a batch larger than what one process gets
    from the data set, mmengine trains zero iterations (or fails later in a
    scheduler with "epoch_length must be a positive integer"). An infinite
    sampler (iteration-based training) repeats the data and is fine.

    Args:
        loader (DataLoader): The built data loader.
        name (str): Its config key, for the message.
            Defaults to 'train_dataloader'.

    Raises:
        ValueError: naming the batch size, the data set size and the fix.
    """
    sampler = getattr(loader, 'sampler', None)
    if type(sampler).__name__ == 'InfiniteSampler' or len(loader) > 0:
        return
    dataset = loader.dataset
    source = getattr(dataset, 'ann_file', '') or type(dataset).__name__
    raise ValueError(
        f'{name}.batch_size={loader.batch_size} with drop_last='
        f'{loader.drop_last} is larger than the {len(sampler)} samples each '
        f'of the {get_world_size()} processes gets from {source} '
        f'({len(dataset)} samples): an epoch would have no batch. Expected '
        f'1 <= batch_size <= {len(sampler)} (or drop_last=False, or more '
        'data).')


@HOOKS.register_module()
class BadSampleCounterHook(Hook):
    """Print the data-side statistics of each epoch; warn on bad data.

    The frame-pair datasets attach every event (missing, empty, corrupt
    file; short-video or single-frame fallback) to the metainfo of the next
    good sample as ``data_events``; this hook sums them from the training
    batches, so counts made inside DataLoader worker processes (and on other
    ranks, gathered at the epoch end) are included. At the end of each epoch
    it logs the epoch's counts per reason, the running totals and the bad
    files, and stores the totals in the message hub as
    ``data/bad_samples``. When more than ``max_bad_fraction`` of the draws
    of an epoch (bad files + decoded samples) were bad, it logs a warning
    banner. Before training it checks that the train loader yields at least
    one batch (:func:`check_loader_yields_batches`).

    Args:
        max_files (int): Bad files listed per epoch summary. Defaults to 20.
        max_bad_fraction (float): Warn when the bad fraction of an epoch's
            draws exceeds it, in [0, 1]. Defaults to 0.05.
        interval (int, optional): Also check the fraction every ``interval``
            iterations (for iteration-based training, whose only "epoch" is
            the whole run). Defaults to None (epoch ends only).
    """

    priority = 'LOW'

    def __init__(self,
                 max_files: int = 20,
                 max_bad_fraction: float = 0.05,
                 interval: Optional[int] = None) -> None:
        if not 0.0 <= max_bad_fraction <= 1.0:
            raise ValueError('BadSampleCounterHook: max_bad_fraction must be '
                             f'in [0, 1], got {max_bad_fraction}')
        self.max_files = max_files
        self.max_bad_fraction = max_bad_fraction
        self.interval = interval
        self.epoch_counts: Counter = Counter()
        self.total_counts: Counter = Counter()
        self.epoch_files: Dict[str, str] = {}
        # [bad draws, good decodes] since the epoch start / last check
        self.epoch_draws = [0, 0]
        self.window_draws = [0, 0]

    def before_run(self, runner) -> None:
        """Check that the training data loader yields a batch."""
        loop = getattr(runner, '_train_loop', None)  # built by train() only
        if isinstance(loop, BaseLoop):
            check_loader_yields_batches(loop.dataloader)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        """Collect the events carried by this batch."""
        samples: Sequence = (data_batch or {}).get('data_samples') or []
        bad = good = 0
        for sample in samples:
            meta = getattr(sample, 'metainfo', {})
            good += meta.get('pair_index', 0) == 0  # one per decode
            for reason, path in meta.get('data_events', ()):
                self.epoch_counts[reason] += 1
                if reason in _BAD:
                    bad += 1
                    self.epoch_files.setdefault(path, reason)
        for draws in (self.epoch_draws, self.window_draws):
            draws[0] += bad
            draws[1] += good
        if self.interval and (runner.iter + 1) % self.interval == 0:
            self._check_fraction(runner, self.window_draws,
                                 f'iterations up to {runner.iter + 1}')
            self.window_draws = [0, 0]

    def _check_fraction(self, runner, draws, when: str) -> None:
        bad, good = (sum(x) for x in zip(*all_gather_object(list(draws))))
        if not is_main_process() or bad + good == 0:
            return
        fraction = bad / (bad + good)
        if fraction > self.max_bad_fraction:
            runner.logger.warning(
                f'!!! BAD DATA: {fraction:.1%} of the samples drawn in '
                f'{when} were bad files ({bad} of {bad + good} draws; '
                f'max_bad_fraction={self.max_bad_fraction:.1%}); they were '
                'skipped and replaced, which biases the data seen. Check '
                'the list and the files (bad files are listed in the data '
                'summary).')

    def after_train_epoch(self, runner) -> None:
        """Log and reset the epoch's counts; warn if too many were bad."""
        counts, files = Counter(), {}
        for c, f in all_gather_object(
            (dict(self.epoch_counts), self.epoch_files)):
            counts.update(c)
            files.update(f)
        self.total_counts.update(counts)
        runner.message_hub.update_info('data/bad_samples',
                                       dict(self.total_counts))
        if is_main_process():
            fmt = ', '.join(f'{k}={v}' for k, v in sorted(counts.items()))
            tot = ', '.join(f'{k}={v}'
                            for k, v in sorted(self.total_counts.items()))
            msg = (f'Data epoch {runner.epoch}: {fmt or "no bad samples"}'
                   f' (totals: {tot or "none"})')
            shown = sorted(files.items())[:self.max_files]
            if shown:
                msg += '; bad files: ' + ', '.join(f'{p} ({r})'
                                                   for p, r in shown)
            runner.logger.info(msg)
        self._check_fraction(runner, self.epoch_draws, f'epoch {runner.epoch}')
        self.epoch_counts.clear()
        self.epoch_files = {}
        self.epoch_draws = [0, 0]

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(max_files={self.max_files}, '
                f'max_bad_fraction={self.max_bad_fraction}, '
                f'interval={self.interval})')
