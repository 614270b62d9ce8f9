# Copyright (c) vicmae_mm contributors. All rights reserved.
from collections import Counter
from typing import Dict, Optional, Sequence

from mmengine.dist import all_gather_object, is_main_process
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

DATA_BATCH = Optional[dict]


@HOOKS.register_module()
class BadSampleCounterHook(Hook):
    """Print the data-side statistics of each epoch.

    The frame-pair datasets attach every event (missing, empty, corrupt
    file; short-video or single-frame fallback) to the metainfo of the next
    good sample as ``data_events``; this hook sums them from the training
    batches, so counts made inside DataLoader worker processes (and on other
    ranks, gathered at the epoch end) are included. At the end of each epoch
    it logs the epoch's counts per reason, the running totals and the bad
    files, and stores the totals in the message hub as
    ``data/bad_samples``.

    Args:
        max_files (int): Bad files listed per epoch summary. Defaults to 20.
    """

    priority = 'LOW'

    def __init__(self, max_files: int = 20) -> None:
        self.max_files = max_files
        self.epoch_counts: Counter = Counter()
        self.total_counts: Counter = Counter()
        self.epoch_files: Dict[str, str] = {}

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        """Collect the events carried by this batch."""
        samples: Sequence = (data_batch or {}).get('data_samples') or []
        for sample in samples:
            for reason, path in getattr(sample, 'metainfo',
                                        {}).get('data_events', ()):
                self.epoch_counts[reason] += 1
                if reason in ('missing', 'empty', 'corrupt'):
                    self.epoch_files.setdefault(path, reason)

    def after_train_epoch(self, runner) -> None:
        """Log and reset the epoch's counts."""
        counts, files = Counter(), {}
        for c, f in all_gather_object((dict(self.epoch_counts),
                                       self.epoch_files)):
            counts.update(c)
            files.update(f)
        self.total_counts.update(counts)
        runner.message_hub.update_info('data/bad_samples',
                                       dict(self.total_counts))
        if is_main_process():
            fmt = ', '.join(f'{k}={v}' for k, v in sorted(counts.items()))
            tot = ', '.join(
                f'{k}={v}' for k, v in sorted(self.total_counts.items()))
            msg = (f'Data epoch {runner.epoch}: {fmt or "no bad samples"}'
                   f' (totals: {tot or "none"})')
            shown = sorted(files.items())[:self.max_files]
            if shown:
                msg += '; bad files: ' + ', '.join(f'{p} ({r})'
                                                   for p, r in shown)
            runner.logger.info(msg)
        self.epoch_counts.clear()
        self.epoch_files = {}

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(max_files={self.max_files})'
