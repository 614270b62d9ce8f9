# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Argument checks shared by the transforms and hooks."""
from numbers import Real


def check_at_least(owner: str, name: str, value: Real,
                   minimum: Real) -> Real:
    """Return ``value`` if it is at least ``minimum``; raise otherwise.

    Config mistakes surface when the component is built, with an error that
    names the component, the argument, the value and what was expected,
    instead of later as an empty batch or a division by zero.

    Args:
        owner (str): The component, e.g. ``'ImageToFrames'``.
        name (str): The argument, e.g. ``'num_frames'``.
        value (int | float): The value given.
        minimum (int | float): The smallest value accepted.

    Returns:
        int | float: ``value`` unchanged.

    Example:
        >>> check_at_least('ImageToFrames', 'num_frames', 0, 1)
        Traceback (most recent call last):
        ...
        ValueError: ImageToFrames: num_frames must be >= 1, got 0
    """
    if not isinstance(value, Real) or isinstance(value, bool) \
            or value < minimum:
        raise ValueError(
            f'{owner}: {name} must be >= {minimum}, got {value!r}')
    return value
