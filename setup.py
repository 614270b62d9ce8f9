# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Install ``vicmae_mm``.

``install_requires`` holds honest ranges (what the code works with); the
exact, verified stack is pinned in ``requirements/runtime.txt``. mmcv is left
to the user as OpenMMLab projects do: either the full ``mmcv`` (compiled CUDA
ops) or ``mmcv-lite``; ``import vicmae_mm`` says which to install if neither
is importable.
"""
import os.path as osp

from setuptools import find_packages, setup


def get_version() -> str:
    scope: dict = {}
    with open(osp.join(osp.dirname(__file__), 'vicmae_mm', 'version.py')) as f:
        exec(compile(f.read(), 'version.py', 'exec'), scope)
    return scope['__version__']


def readme() -> str:
    with open(osp.join(osp.dirname(__file__), 'README.md'),
              encoding='utf-8') as f:
        return f.read()


setup(
    name='vicmae_mm',
    version=get_version(),
    description='ViC-MAE (contrastive masked autoencoders on video frame '
    'pairs) for mmengine, mmpretrain and mmaction2',
    long_description=readme(),
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'docs')),
    python_requires='>=3.9',
    install_requires=[
        'torch>=2.0',
        'torchvision>=0.15',
        'mmengine>=0.10.0,<1.0.0',
        'mmpretrain>=1.2.0,<1.3.0',
        'mmaction2>=1.1.0,<1.3.0',
        'decord>=0.6.0',
        'av>=18',
        'numpy',
        'scikit-learn',
        # mmengine 0.10.x imports pkg_resources, gone from setuptools>=81.
        'setuptools<81',
    ],
    extras_require={
        'tests': ['pytest'],
        'tensorboard': ['tensorboard'],
    },
    license='Apache License 2.0',
    zip_safe=False,
)
