# Copyright (c) vicmae_mm contributors. All rights reserved.
from mmengine.registry import DefaultScope


def register_all_modules(init_default_scope: bool = True,
                         scope: str = 'mmpretrain') -> None:
    """Register mmpretrain's, mmaction2's and vicmae_mm's modules.

    ``DefaultScope`` is process-global (the latest instance wins), so tests
    and scripts that build from registries call this first.

    Args:
        init_default_scope (bool): make ``scope`` the current default scope.
            Defaults to True.
        scope (str): ``'mmpretrain'`` (pretraining, image transfer) or
            ``'mmaction'`` (video fine-tuning). Defaults to ``'mmpretrain'``.
    """
    import mmaction.utils
    import mmpretrain.utils

    import vicmae_mm  # noqa: F401  (registers the plugin's modules)
    mmpretrain.utils.register_all_modules(init_default_scope=False)
    mmaction.utils.register_all_modules(init_default_scope=False)
    if init_default_scope:
        name = f'{scope}-vicmae'
        # A fresh instance name each call makes it the current one even if
        # another scope was created in between.
        DefaultScope.get_instance(
            f'{name}-{len(DefaultScope._instance_dict)}', scope_name=scope)
