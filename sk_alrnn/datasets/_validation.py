"""Argument checks shared by the dataset generators (numpy only)."""
from __future__ import annotations

import numbers


def check_int(value: object, name: str, minimum: int, func: str) -> int:
    """Return ``value`` as an int, or raise a ValueError that says what is wrong."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(
            f"The '{name}' parameter of {func} must be an int >= {minimum}. "
            f"Got {value!r} instead."
        )
    return int(value)


def check_nonnegative(value: object, name: str, func: str) -> float:
    """Return ``value`` as a float >= 0, or raise a ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
        raise ValueError(
            f"The '{name}' parameter of {func} must be a real number >= 0. "
            f"Got {value!r} instead."
        )
    return float(value)


def check_positive(value: object, name: str, func: str) -> float:
    """Return ``value`` as a float > 0, or raise a ValueError."""
    if check_nonnegative(value, name, func) == 0:
        raise ValueError(
            f"The '{name}' parameter of {func} must be a real number > 0. "
            f"Got {value!r} instead."
        )
    return float(value)
