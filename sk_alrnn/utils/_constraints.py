"""Declarative parameter constraints, checked in one place at fit.

An estimator family declares its parameters as a table,
``_parameter_constraints = {"lr": [Interval(numbers.Real, 0, inf, "neither")], ...}``,
in the manner of scikit-learn's ``_parameter_constraints`` (whose module,
``sklearn.utils._param_validation``, is private, so this is a small
equivalent on public names).  Each entry lists the accepted alternatives:

* :class:`Interval` -- an int or real number within bounds (a bound may name
  another parameter, as ``P <= M``);
* :class:`Options` -- one of a few values;
* ``None`` -- None is accepted;
* a callable ``check(value, name, owner)`` that raises ValueError.

:func:`validate_parameter_constraints` merges the tables over the class
hierarchy (each class declares only what it adds) and checks every entry;
the messages are those of :func:`~sk_alrnn.utils.check_param` and
:func:`~sk_alrnn.utils.check_option`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._params import check_option, check_param

__all__ = [
    "TRAINING_CONSTRAINTS",
    "Interval",
    "Options",
    "check_training_params",
    "parameter_constraints",
    "validate_parameter_constraints",
]


@dataclass(frozen=True)
class Interval:
    """An int (``numbers.Integral``) or real number (``numbers.Real``) within bounds.

    Parameters
    ----------
    type : type
        ``numbers.Integral`` or ``numbers.Real``.
    left, right : float, str or None
        Bounds; None is unbounded, a str names another parameter.
    closed : {"both", "left", "right", "neither"}, default="both"
        Which bounds are allowed values.
    text : str or None, default=None
        The bounds as the message writes them (``{name}`` fields are filled
        with the parameters), e.g. ``"in [0, M={M}]"``.

    Examples
    --------
    >>> Interval(numbers.Integral, 0, "M", text="in [0, M={M}]").right
    'M'
    """

    type: type
    left: float | str | None
    right: float | str | None
    closed: str = "both"
    text: str | None = None


@dataclass(frozen=True)
class Options:
    """One of a few values (compared with ``==``).

    Examples
    --------
    >>> Options(("raise", "restore")).values
    ('raise', 'restore')
    """

    values: tuple


def parameter_constraints(cls: type) -> dict:
    """The ``_parameter_constraints`` tables of ``cls`` and its bases, merged (subclasses win).

    Examples
    --------
    >>> class Base:
    ...     _parameter_constraints = {"a": [None]}
    >>> class Child(Base):
    ...     _parameter_constraints = {"b": [Options((1, 2))]}
    >>> sorted(parameter_constraints(Child))
    ['a', 'b']
    """
    table: dict = {}
    for klass in reversed(cls.__mro__):
        table.update(vars(klass).get("_parameter_constraints", {}))
    return table


def _bound(value: Any, params: Mapping) -> Any:
    return params[value] if isinstance(value, str) else value


def _is_option(value: Any, option: Any) -> bool:
    """``value == option`` of the same kind (``True`` is not 1, ``-1.0`` not the int -1)."""
    if isinstance(option, numbers.Integral) and not isinstance(option, bool):
        kind_matches = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    else:
        kind_matches = type(value) is type(option)
    return kind_matches and bool(value == option)


def _check_one(value: Any, name: str, owner: str, alternatives: list, params: Mapping) -> None:
    if value is None and None in alternatives:
        return
    options = [alt for alt in alternatives if isinstance(alt, Options)]
    if any(_is_option(value, option) for alt in options for option in alt.values):
        return
    for check in alternatives:
        if callable(check) and not isinstance(check, type):
            check(value, name, owner)
            return
    intervals = [alt for alt in alternatives if isinstance(alt, Interval)]
    if intervals:
        interval = intervals[0]
        text = interval.text.format(**params) if interval.text is not None else None
        check_param(
            value,
            name,
            owner,
            target_type=interval.type,
            min_val=_bound(interval.left, params),
            max_val=_bound(interval.right, params),
            include_boundaries=interval.closed,
            bounds=text,
        )
        return
    allowed = [value for alt in options for value in alt.values]
    check_option(value, name, owner, allowed + ([None] if None in alternatives else []))


def validate_parameter_constraints(
    constraints: Mapping[str, list], params: Mapping[str, Any], owner: str
) -> None:
    """Check every parameter named in ``constraints``; raise ValueError on the first bad one.

    Parameters
    ----------
    constraints : mapping of str to list
        Parameter name -> accepted alternatives (see the module docstring).
    params : mapping of str to object
        The parameter values (``get_params(deep=False)`` or attributes).
    owner : str
        The estimator name, for the messages.

    Examples
    --------
    >>> table = {"M": [Interval(numbers.Integral, 1, None)],
    ...          "P": [Interval(numbers.Integral, 0, "M", text="in [0, M={M}]")]}
    >>> validate_parameter_constraints(table, {"M": 4, "P": 2}, "ALRNNRegressor")
    >>> validate_parameter_constraints(table, {"M": 4, "P": 5}, "ALRNNRegressor")
    Traceback (most recent call last):
    ...
    ValueError: The 'P' parameter of ALRNNRegressor must be an int in [0, M=4]. Got 5 instead.
    """
    for name, alternatives in constraints.items():
        _check_one(params[name], name, owner, list(alternatives), params)


# The training parameters every estimator family checks at fit.
TRAINING_CONSTRAINTS = {
    "lr": [Interval(numbers.Real, 0, math.inf, "neither", text="> 0 and finite")],
    "max_epochs": [Interval(numbers.Integral, 0, None)],
    "batch_size": [
        Interval(numbers.Integral, 1, None, text=">= 1 (or -1 for the whole data set)"),
        Options((-1,)),
    ],
    "max_grad_norm": [
        Interval(numbers.Real, 0, math.inf, "neither", text="> 0 and finite (or None)"),
        None,
    ],
    "on_divergence": [Options(("raise", "restore"))],
}


def check_training_params(
    *,
    lr: Any,
    max_epochs: Any,
    batch_size: Any,
    max_grad_norm: Any,
    on_divergence: Any,
    owner: str,
) -> None:
    """Check the training hyper-parameters before a fit touches anything.

    Left unchecked, each of these fails later inside torch with an internal
    message (``Invalid learning rate: -1``, ``batch_size should be a positive
    integer value``) or, worse, trains silently wrong (a negative clipping norm).
    The rules are the table ``TRAINING_CONSTRAINTS``.

    Parameters
    ----------
    lr : float
        Learning rate, a finite number > 0.
    max_epochs : int
        Epochs per fit, >= 0 (0 builds the initial network only).
    batch_size : int
        Sequences per batch, >= 1, or -1 for the whole data set (skorch's convention).
    max_grad_norm : float or None
        Gradient-norm clipping, a finite number > 0, or None for none.
    on_divergence : {"raise", "restore"}
        What a non-finite loss does.
    owner : str
        Estimator name for the messages.

    Examples
    --------
    >>> check_training_params(lr=1e-3, max_epochs=10, batch_size=-1, max_grad_norm=None,
    ...                       on_divergence="raise", owner="ALRNNRegressor")
    """
    params = {
        "lr": lr,
        "max_epochs": max_epochs,
        "batch_size": batch_size,
        "max_grad_norm": max_grad_norm,
        "on_divergence": on_divergence,
    }
    validate_parameter_constraints(TRAINING_CONSTRAINTS, params, owner)
