"""What a model file may name, and what its contents must agree on, checked at load.

* Hyper-parameters: only the names ``get_params`` of a default instance lists,
  plus, for a skorch net, ``<prefix>__<name>`` keyword arguments routed to its
  optimizer, criterion, module, iterators, ... (``optimizer__weight_decay``),
  and, for a CV search, the training parameters of the model it refits.
  Skorch keeps any unknown keyword argument ending in ``_`` as an instance
  attribute, so without this check a file could plant ``best_epoch_`` or
  ``__sklearn_clone__`` on the estimator.
* Fitted attributes: only those the class declares in ``_persisted_attributes``.
* Consistency: every relation between stored values that prediction relies
  on (label count vs outputs, the shape of ``x0_``, the regime codes' width,
  a CV estimator's ``P_`` vs its refit model, ...).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ._codec import corrupt

__all__ = ["check_consistency", "check_param_names", "check_required_attributes"]

# Declared attributes a fitted estimator of the class does not have, so its files
# lack them: the forecaster inherits the sequence nets' declaration of _n_outputs_
# (it has N outputs by construction and never sets it).
_NOT_SET = {"ALRNNForecaster": frozenset({"_n_outputs_"})}


def _routed(name: str, prefixes: tuple) -> bool:
    """Whether ``name`` is a skorch ``prefix__name`` keyword argument (never a dunder)."""
    inner = name.split("__", 1)[1] if "__" in name else ""
    return (
        name.split("__", 1)[0] in prefixes
        and inner.isidentifier()
        and not inner.startswith("_")
        and not inner.endswith("_")
    )


@functools.cache
def _constructor_names(cls: type) -> tuple[frozenset, tuple]:
    """The parameter names of a default instance, and its skorch routing prefixes."""
    default = cls()
    prefixes = tuple(getattr(default, "prefixes_", ()))
    if prefixes:  # skorch registers these three when the net is initialised
        prefixes += ("module", "criterion", "optimizer")
    return frozenset(default.get_params(deep=False)), prefixes


# Searches whose refit class is not named by a ``_plain_class`` attribute.
_REFIT_CLASS = {"ALRNNForecasterCV": "ALRNNForecaster"}


def _refit_class(cls: type) -> type | None:
    """The class a search refits (None for a plain estimator), found in the registry."""
    plain = getattr(cls, "_plain_class", None)
    if plain is None and cls.__name__ in _REFIT_CLASS:
        from ._persistence import _estimator_classes  # the registry, filled at class definition

        plain = _estimator_classes().get(_REFIT_CLASS[cls.__name__])
    return plain


def _accepts(cls: type, name: str) -> bool:
    """Whether ``cls``'s constructor takes ``name``; a search also takes its refit model's."""
    names, prefixes = _constructor_names(cls)
    plain = _refit_class(cls)
    return name in names or _routed(name, prefixes) or (plain is not None and _accepts(plain, name))


def check_param_names(cls: type, names: Any, where: str) -> None:
    """Refuse, by name, stored hyper-parameters the constructor of ``cls`` does not take."""
    unknown = sorted(name for name in names if not _accepts(cls, name))
    if unknown:
        raise corrupt(
            where or "params",
            f"{unknown[:5]} are not parameters of {cls.__name__} (expected names from "
            f"{cls.__name__}().get_params(): {sorted(_constructor_names(cls)[0])})",
        )


def check_required_attributes(cls: type, stored: Any, declared: tuple, where: str) -> None:
    """Refuse a file that lacks a declared fitted attribute (save writes every one).

    An attribute with a class-level default (``_sequence_output_ = False``) may
    be absent; so may those in ``_NOT_SET``.  Without this check a file without
    ``_label_encoder_`` loads and fails at ``predict`` with an AttributeError.
    """
    optional = _NOT_SET.get(cls.__name__, frozenset())
    missing = sorted(
        name
        for name in declared
        if name not in stored and name not in optional and not hasattr(cls, name)
    )
    if missing:
        raise corrupt(where or "fitted", f"the fitted attributes {missing} are missing")


def _int(value: Any, lowest: int) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= lowest


def _require(ok: bool, where: str, why: str) -> None:
    if not ok:
        raise corrupt(where, why)


def _check_labels(est: Any, where: str) -> None:
    classes = getattr(est._label_encoder_, "classes_", None)
    _require(
        isinstance(classes, np.ndarray) and classes.ndim == 1 and len(classes) >= 1,
        where + "_label_encoder_",
        "the labels are not a 1-d array",
    )
    _require(
        len(np.unique(classes)) == len(classes),
        where + "_label_encoder_",
        "the labels repeat",
    )
    outputs = getattr(est, "_n_outputs_", None)
    _require(
        outputs is None or len(classes) == outputs,
        where + "_label_encoder_",
        f"{len(classes)} labels for a network with {outputs} outputs",
    )


def _check_regimes(est: Any, where: str) -> None:
    regimes = est.regimes_
    codes, counts = getattr(regimes, "codes", None), getattr(regimes, "counts", None)
    ok = (
        isinstance(codes, np.ndarray)
        and codes.ndim == 2
        and isinstance(counts, np.ndarray)
        and counts.shape == (len(codes),)
        and getattr(regimes, "n_regimes", None) == len(codes)
    )
    _require(ok, where + "regimes_", "codes, counts and n_regimes disagree")
    P = getattr(est, "P", None)
    _require(
        P is None or codes.shape[1] == P,
        where + "regimes_",
        f"codes of width {codes.shape[1]} for P={P}",
    )


def _check_forecaster_state(est: Any, where: str) -> None:
    n = getattr(est, "n_features_in_", None)
    if hasattr(est, "x0_"):
        x0 = est.x0_
        ok = isinstance(x0, np.ndarray) and x0.dtype.kind == "f" and np.isfinite(x0).all()
        _require(
            ok and (n is None or x0.shape == (n,)),
            where + "x0_",
            f"expected a finite float array of shape ({n},)",
        )
    if hasattr(est, "_x_scale_"):
        scale = est._x_scale_
        ok = isinstance(scale, (float, np.floating)) and np.isfinite(scale) and scale > 0
        _require(ok, where + "_x_scale_", f"expected a finite float > 0, got {scale!r}")


def _check_search(est: Any, where: str) -> None:
    best = est.best_estimator_
    _require(
        type(best) is (_refit_class(type(est)) or type(best)),
        where + "best_estimator_",
        f"a {type(best).__name__} is not what {type(est).__name__} refits",
    )
    if hasattr(est, "P_"):
        _require(
            est.P_ == getattr(best, "P", est.P_),
            where + "P_",
            f"P_={est.P_!r} but the refit model has P={getattr(best, 'P', None)!r}",
        )
    n = getattr(est, "n_features_in_", None)
    _require(
        n is None or n == getattr(best, "n_features_in_", n),
        where + "n_features_in_",
        "differs from the refit model's",
    )


def check_consistency(est: Any, where: str = "") -> None:
    """Refuse stored values that disagree with each other (see the module docstring)."""
    prefix = f"{where}." if where else ""
    if hasattr(est, "n_features_in_"):
        _require(_int(est.n_features_in_, 1), prefix + "n_features_in_", "expected an int >= 1")
    if hasattr(est, "_label_encoder_"):
        _check_labels(est, prefix)
    if hasattr(est, "regimes_") and not hasattr(est, "best_estimator_"):
        _check_regimes(est, prefix)
    _check_forecaster_state(est, prefix)
    if hasattr(est, "best_estimator_"):
        _check_search(est, prefix)
