# Copyright (c) vicmae_mm contributors. All rights reserved.
from . import algorithms, backbones, heads, losses, necks, utils  # noqa: F401
from .algorithms import *  # noqa: F401,F403
from .backbones import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .recognizers import *  # noqa: F401,F403
