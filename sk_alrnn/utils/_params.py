"""Hyper-parameter checks and the one message template of the package.

Every error says what was wrong, what was expected and what was got
(:func:`input_error`), and is raised at fit, before any estimator state is
touched (scikit-learn's convention: ``__init__`` only stores).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any, Union

import numpy as np
from sklearn.utils import check_scalar

# What ``random_state`` parameters accept (scikit-learn's convention).
RandomStateLike = Union[int, np.random.RandomState, None]

__all__ = [
    "RandomStateLike",
    "check_device",
    "check_option",
    "check_param",
    "check_sizes",
    "input_error",
]


def input_error(what: str, expected: str, got: Any) -> ValueError:
    """The package's one error template: what, what was expected, what was got.

    Parameters
    ----------
    what : str
        The thing that was checked, e.g. ``"The 'P' parameter of ALRNNRegressor"``.
    expected : str
        What it must be, starting with a verb phrase, e.g. ``"be an int >= 1"``.
    got : object
        What was passed (already formatted).

    Returns
    -------
    error : ValueError

    Examples
    --------
    >>> str(input_error("The 'M' parameter of Est", "be an int >= 1", 0))
    "The 'M' parameter of Est must be an int >= 1. Got 0 instead."
    """
    return ValueError(f"{what} must {expected}. Got {got} instead.")


# ---- scalar parameters ---------------------------------------------------------------
def _bounds_text(min_val, max_val, include_boundaries: str) -> str:
    low = "[" if include_boundaries in ("left", "both") else "("
    high = "]" if include_boundaries in ("right", "both") else ")"
    if max_val is None:
        return f">= {min_val}" if low == "[" else f"> {min_val}"
    if min_val is None:
        return f"<= {max_val}" if high == "]" else f"< {max_val}"
    return f"in {low}{min_val}, {max_val}{high}"


def check_param(
    value: Any,
    name: str,
    owner: str,
    *,
    target_type: type = numbers.Integral,
    min_val: float | None = None,
    max_val: float | None = None,
    include_boundaries: str = "both",
    bounds: str | None = None,
) -> Any:
    """Check a scalar parameter with ``sklearn.utils.check_scalar``; raise the package message.

    Parameters
    ----------
    value : object
        The value to check. Booleans and NaN are refused.
    name : str
        Parameter name, used in the message.
    owner : str
        The estimator or function the parameter belongs to.
    target_type : type, default=numbers.Integral
        ``numbers.Integral`` (an int) or ``numbers.Real`` (a real number).
    min_val, max_val : float or None, default=None
        Bounds, as for ``check_scalar``.
    include_boundaries : {"both", "left", "right", "neither"}, default="both"
        Whether the bounds are allowed values.
    bounds : str or None, default=None
        Text for the bounds in the message (default: built from min/max).

    Returns
    -------
    value : int or float
        The value as a Python int (``Integral``) or float (``Real``).

    Raises
    ------
    ValueError
        ``The '<name>' parameter of <owner> must be <kind> <bounds>. Got <value!r> instead.``

    Examples
    --------
    >>> check_param(3, "n_steps", "make_addition", min_val=3)
    3
    >>> check_param(0.5, "dt", "make_lorenz63", target_type=numbers.Real, min_val=0,
    ...             include_boundaries="neither")
    0.5
    """
    integral = target_type is numbers.Integral
    kind = "an int" if integral else "a real number"
    try:
        if isinstance(value, bool) or (isinstance(value, numbers.Real) and value != value):
            raise TypeError("booleans and NaN are not numbers here")
        check_scalar(
            value,
            name,
            target_type,
            min_val=min_val,
            max_val=max_val,
            include_boundaries=include_boundaries,
        )
    except (TypeError, ValueError):
        text = bounds if bounds is not None else _bounds_text(min_val, max_val, include_boundaries)
        raise input_error(
            f"The {name!r} parameter of {owner}", f"be {kind} {text}", repr(value)
        ) from None
    return int(value) if integral else float(value)


def check_option(value: Any, name: str, owner: str, options: Sequence) -> Any:
    """Check that a parameter is one of ``options``.

    Parameters
    ----------
    value : object
        The value to check.
    name, owner : str
        Parameter name and the estimator or function it belongs to.
    options : sequence
        The allowed values.

    Returns
    -------
    value : object
        ``value`` unchanged.

    Examples
    --------
    >>> check_option("train", "split", "load_ucr", ["train", "test", None])
    'train'
    """
    if value not in list(options):
        raise input_error(
            f"The {name!r} parameter of {owner}", f"be one of {list(options)}", repr(value)
        )
    return value


def check_sizes(M: Any, P: Any, owner: str) -> None:
    """Check the AL-RNN sizes: M an int >= 1, P an int in [0, M].

    Parameters
    ----------
    M, P : object
        Number of latent units and of ReLU units.
    owner : str
        Estimator name for the message.

    Examples
    --------
    >>> check_sizes(8, 2, "ALRNNRegressor")
    """
    check_param(M, "M", owner, min_val=1)
    check_param(P, "P", owner, min_val=0, max_val=M, bounds=f"in [0, M={M}]")


def check_device(device: Any, owner: str) -> None:
    """Check a skorch ``device``: a valid torch device that this machine has.

    Without it, ``device="cuda"`` on a machine without CUDA fails deep inside
    torch with an AssertionError ("Torch not compiled with CUDA enabled").
    torch is imported here, not at module level: the numpy-only subpackages
    use this module too.

    Parameters
    ----------
    device : str, torch.device or None
        None (skorch: leave tensors where they are) is accepted.
    owner : str
        Estimator name for the message.

    Examples
    --------
    >>> check_device("cpu", "ALRNNRegressor")
    >>> check_device("gpu", "ALRNNRegressor")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: The 'device' parameter of ALRNNRegressor must be a torch device ... 'gpu' instead.
    """
    if device is None:
        return
    import torch

    what = f"The 'device' parameter of {owner}"
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise input_error(what, "be a torch device such as 'cpu' or 'cuda'", repr(device)) from None
    backend = {"cuda": torch.cuda, "mps": getattr(torch.backends, "mps", None)}.get(parsed.type)
    if backend is not None and not backend.is_available():
        raise input_error(
            what,
            f"name a device this machine has ({parsed.type} is not available here; use 'cpu')",
            repr(device),
        )
    index = parsed.index
    if parsed.type == "cuda" and index is not None and index >= torch.cuda.device_count():
        raise input_error(
            what, f"name one of the {torch.cuda.device_count()} CUDA device(s)", repr(device)
        )
