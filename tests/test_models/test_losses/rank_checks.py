# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Helpers of the gloo loss tests: W processes == one process."""
import os
import sys
from typing import Callable, List

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def _entry(rank: int, body: Callable, world: int, folder: str) -> None:
    dist.init_process_group('gloo',
                            init_method=f'file://{folder}/init',
                            rank=rank, world_size=world)
    torch.save(body(rank), os.path.join(folder, f'rank{rank}.pt'))
    dist.destroy_process_group()
    # With mmpretrain's models imported, a spawned gloo process sometimes
    # aborts in static destructors at exit ('terminate called without an
    # active exception', SIGABRT; 2-4 runs in 10 with torch 2.14.1, also
    # without vicmae_mm's code), which mp.spawn reports as a failure. The
    # results are saved: leave without the C++ teardown.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def run_ranks(body: Callable, world: int, folder: str) -> List:
    """``body(rank)`` in ``world`` spawned gloo processes; their results.

    Args:
        body (Callable): A module-level function (it is pickled by name)
            returning what its rank saves.
        world (int): Number of processes.
        folder (str): An empty folder for the init file and the results.

    Returns:
        list: ``body``'s return value of every rank, in rank order.
    """
    mp.spawn(_entry, args=(body, world, folder), nprocs=world, join=True)
    return [
        torch.load(os.path.join(folder, f'rank{r}.pt')) for r in range(world)
    ]


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
