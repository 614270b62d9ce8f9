# Copyright (c) vicmae_mm contributors. All rights reserved.
from . import (algorithms, backbones, data_preprocessors, heads,  # noqa: F401
               losses, necks, utils)
from .algorithms import *  # noqa: F401,F403
from .backbones import *  # noqa: F401,F403
from .data_preprocessors import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .recognizers import *  # noqa: F401,F403
