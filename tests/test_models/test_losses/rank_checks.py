# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Helpers of the gloo loss tests: W processes == one process."""
import os
import sys
from typing import List

import torch


def assert_ranks_match_one_process(per_rank: List[dict], loss: torch.Tensor,
                                   gx: torch.Tensor, gw: torch.Tensor,
                                   local: int) -> None:
    """Each rank's DDP-averaged loss and weight gradient equal one process's
    on the concatenated batch, and its input gradient / W equals the single
    process's gradient on its ``local`` rows."""
    world = len(per_rank)
    for r, got in enumerate(per_rank):
        torch.testing.assert_close(got['loss'], loss)
        torch.testing.assert_close(got['gw'], gw)
        torch.testing.assert_close(got['gx'] / world,
                                   gx[r * local:(r + 1) * local])


def exit_worker() -> None:
    """End a spawned worker whose results are saved, skipping C++ teardown.

    With mmpretrain's models imported, a spawned gloo process sometimes
    aborts in static destructors at exit ('terminate called without an
    active exception', SIGABRT; 2-4 runs in 10 with torch 2.14.1, also
    without vicmae_mm's code), which ``mp.spawn`` reports as a failure.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
