# Copyright (c) vicmae_mm contributors. All rights reserved.
from .info_nce_loss import InfoNCELoss
from .sim_siam_loss import SimSiamLoss
from .vicreg_loss import VICRegLoss

__all__ = ['InfoNCELoss', 'SimSiamLoss', 'VICRegLoss']
