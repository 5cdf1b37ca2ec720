"""Safe model files: one safetensors file that runs no code when it is loaded.

A file holds

* tensors (safetensors' own binary layout): the module's ``state_dict``, the
  optimizer's moment buffers and every numeric numpy array of the fitted state
  (``regimes_.codes``, ``regimes_.counts``, integer labels, ...);
* one JSON document in the safetensors metadata under the key ``"sk_alrnn"``:
  ``format="sk_alrnn"``, ``format_version``, the estimator class name, library
  versions, the hyper-parameters and the fitted attributes, each value written
  as a small typed node (``{"t": "json", "v": 3}``, ``{"t": "array", "key": ...,
  "dtype": "<f4", "shape": [8, 8]}``, ``{"t": "class", "name": "torch.optim.Adam"}``,
  ...; the value layer is :mod:`sk_alrnn.io._codec`).

Loading parses that JSON with :func:`json.loads` and the tensors with safetensors
(no pickle, no ``torch.load``), picks the estimator class and any class-valued
parameter (optimizer, criterion, ...) from fixed allow-lists keyed by name, and
never imports a name read from the file.  Everything that cannot be written this
way (a callback object, a custom module class, a lambda, labels of arbitrary
objects) is refused at save time with a ValueError that names it.

Which attributes an estimator persists is declared on its class, in
``_persisted_attributes`` (a tuple of attribute names): that is the whole
per-class hook.  Skorch nets additionally get their ``module_`` weights,
optimizer state and ``history`` written, and on load are re-initialised from
their hyper-parameters before the weights are put back.
"""

from __future__ import annotations

import dataclasses
import errno
import inspect
import json
import os
import tempfile
from typing import Any

import numpy as np
import safetensors
import sklearn
import skorch
import torch
from safetensors.numpy import save as serialize
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet
from skorch.history import History

from .._version import __version__
from ._checks import check_consistency, check_param_names, check_required_attributes
from ._codec import TRUSTED_ONLY, Reader, Writer, corrupt, register_class, register_record
from ._header import DEFAULT_MAX_BYTES, digest, not_a_model_file, parse_json, read_header

__all__ = ["FORMAT", "FORMAT_VERSION", "PersistenceMixin", "load", "save"]

FORMAT = "sk_alrnn"
# 2: the metadata also holds the SHA-256 of the document and tensors (_DIGEST_KEY).
FORMAT_VERSION = 2
_HEADER_KEY = "sk_alrnn"
_DIGEST_KEY = "sk_alrnn_sha256"
# Read once (os.umask can only be read by setting it), so saved files get the
# permissions open() would give them.
_UMASK = os.umask(0o022)
os.umask(_UMASK)

# The package's estimators, by class name: each registers itself when its class
# is defined (PersistenceMixin.__init_subclass__), so this module imports none.
_ESTIMATORS: dict[str, type] = {}


def _estimator_classes() -> dict[str, type]:
    return dict(_ESTIMATORS)


def _register(cls: type) -> None:
    """Make a public estimator class of the package savable, and what it stores loadable."""
    for klass in cls.__mro__:
        for value in vars(klass).get("_persisted_types", ()):
            if dataclasses.is_dataclass(value):
                register_record(value)
            else:
                register_class(value, f"sk_alrnn.{value.__name__}")
    module = inspect.signature(cls.__init__).parameters.get("module")
    if module is not None and isinstance(module.default, type):
        # The default torch module, stored under its public name (sk_alrnn.<Name>).
        register_class(module.default, f"sk_alrnn.{module.default.__name__}")
    if cls.__module__.startswith("sk_alrnn.") and not cls.__name__.startswith("_"):
        _ESTIMATORS[cls.__name__] = cls


def _persisted_attributes(cls: type) -> tuple:
    """Fitted attributes to write: the union of ``_persisted_attributes`` over the MRO.

    Each class lists only its own (the base: ``n_features_in_``; the
    classifier: ``_label_encoder_``; the AL-RNN: ``regimes_``; ...).
    """
    names: list = []
    for klass in reversed(cls.__mro__):
        for name in vars(klass).get("_persisted_attributes", ()):
            if name not in names:
                names.append(name)
    return tuple(names)


class PersistenceMixin:
    """Adds ``save(path)``; a class lists its own fitted attributes in ``_persisted_attributes``.

    ``_persisted_attributes`` is a tuple of attribute names, collected over
    the MRO, so each class names only what it adds.  Values may be numbers,
    strings, numpy arrays (numeric, str, or object arrays of those), scipy
    CSR matrices, lists/tuples/dicts of these, a ``LabelEncoder``, a
    ``RegimeSummary`` or another of the package's estimators (e.g. a CV
    estimator's ``best_estimator_``).  Skorch nets also get ``module_``,
    ``optimizer_`` and ``history`` written, and are re-initialised on load.
    """

    _persisted_attributes: tuple = ()
    # Classes (torch modules) and dataclasses (results) the class may store;
    # registered with the codec when the class is defined.
    _persisted_types: tuple = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _register(cls)

    def save(self, path: os.PathLike | str) -> None:
        """Write the fitted estimator to a safe model file (safetensors, no pickle).

        ``sk_alrnn.load(path)`` gives it back, on the CPU, with identical
        predictions.  Nothing in the file can run code when it is loaded.

        Parameters
        ----------
        path : str or os.PathLike
            Where to write, conventionally ``*.safetensors``; replaced atomically.

        Raises
        ------
        ValueError
            Naming any hyper-parameter or fitted attribute that cannot be
            stored safely (a callback object, a custom class, a lambda, ...).
        sklearn.exceptions.NotFittedError
            If the estimator is not fitted.

        See Also
        --------
        sk_alrnn.load : Read the file back.

        Examples
        --------
        >>> import os, tempfile
        >>> import numpy as np
        >>> from sk_alrnn import ALRNNClassifier, load
        >>> X = np.random.RandomState(0).randn(20, 6, 2)
        >>> y = np.where(X[:, :, 0].sum(axis=1) > 0, "up", "down")
        >>> clf = ALRNNClassifier(M=4, P=1, max_epochs=2, random_state=0).fit(X, y)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     clf.save(os.path.join(folder, "clf.safetensors"))
        ...     loaded = load(os.path.join(folder, "clf.safetensors"))
        >>> loaded.classes_.tolist(), bool((loaded.predict_proba(X) == clf.predict_proba(X)).all())
        (['down', 'up'], True)
        """
        save(self, path)


class _Writer(Writer):
    """The codec's writer, which also writes whole estimators (nested ones included)."""

    def is_estimator(self, value: Any) -> bool:
        return type(value) in _estimator_classes().values()

    def estimator(self, estimator: Any, where: str = "") -> dict:
        """The node body of a fitted estimator; its arrays go to ``self.arrays``."""
        prefix = f"{where}." if where else ""
        cls = type(estimator)
        params = {
            name: self.encode(value, prefix + name)
            for name, value in estimator.get_params(deep=False).items()
        }
        fitted = {
            name: self.encode(getattr(estimator, name), prefix + name)
            for name in _persisted_attributes(cls)
            if hasattr(estimator, name)
        }
        node = {"class": cls.__name__, "params": params, "fitted": fitted}
        if isinstance(estimator, NeuralNet):
            module = estimator.module_
            node["net"] = {
                "module": self.encode(dict(module.state_dict()), prefix + "module_"),
                "training": module.training,
                "optimizer": self.encode(estimator.optimizer_.state_dict(), prefix + "optimizer_"),
                "history": self.encode(estimator.history_, prefix + "history"),
            }
        return node


def save(estimator: Any, path: os.PathLike | str) -> None:
    """Write a fitted estimator to ``path`` as a safe model file (see module docstring).

    Everything is encoded before the file is touched, and the file is replaced
    atomically, so a refused or failed save leaves an existing file as it was.

    Raises
    ------
    ValueError
        If the estimator is not one of the package's classes, or a
        hyper-parameter or fitted attribute cannot be stored safely (the
        message names it).
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    """
    if type(estimator) not in _estimator_classes().values():
        raise ValueError(
            f"Only sk_alrnn's own estimators can be saved ({', '.join(_estimator_classes())}); "
            f"got {type(estimator).__name__}. " + TRUSTED_ONLY
        )
    if isinstance(estimator, NeuralNet):
        estimator.check_is_fitted()  # skorch's own check: module_ exists
    else:
        check_is_fitted(estimator)
    writer = _Writer()
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "estimator": type(estimator).__name__,
        "versions": {
            "sk_alrnn": __version__,
            "torch": torch.__version__,
            "numpy": np.__version__,
            "scikit-learn": sklearn.__version__,
            "skorch": skorch.__version__,
            "safetensors": safetensors.__version__,
        },
        "state": writer.estimator(estimator),
    }
    text = json.dumps(header)
    metadata = {_HEADER_KEY: text, _DIGEST_KEY: digest(text, writer.arrays)}
    _write_atomically(serialize(writer.arrays, metadata=metadata), os.fspath(path))


def _save_error(path: str, exc: OSError) -> OSError:
    """The OSError of a failed save, naming the user's path rather than a temporary file."""
    return OSError(exc.errno, f"Cannot save the model to {path!r}: {exc.strerror or exc}")


def _write_atomically(data: bytes, path: str) -> None:
    """Write ``data`` to a unique temporary file beside ``path``, then rename it over ``path``.

    Each save has its own temporary file (``tempfile.mkstemp``), so concurrent
    saves to one path never share one; ``os.replace`` is atomic, so readers see
    the old file or a whole new one.  On any failure the temporary file is
    removed and the OSError names the user's path.
    """
    folder = os.path.dirname(os.path.abspath(path))
    try:
        if os.path.isdir(path):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
        handle, partial = tempfile.mkstemp(
            dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".partial"
        )
    except OSError as exc:
        raise _save_error(path, exc) from exc
    try:
        with os.fdopen(handle, "wb") as file:
            os.fchmod(file.fileno(), 0o666 & ~_UMASK)  # as open() would; mkstemp gives 0o600
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    except BaseException as exc:
        try:
            os.unlink(partial)
        except OSError:
            pass  # already renamed or never created: nothing is left behind either way
        if isinstance(exc, OSError):
            raise _save_error(path, exc) from exc
        raise


# ---- reading -----------------------------------------------------------------
class _Reader(Reader):
    """The codec's reader, which also rebuilds whole estimators from allow-listed classes."""

    def estimator(self, node: dict, where: str = "") -> Any:
        classes = _estimator_classes()
        if node["class"] not in classes:
            raise corrupt(
                where or "estimator",
                f"unknown estimator class {node['class']!r} (this version knows {sorted(classes)})",
            )
        cls = classes[node["class"]]
        check_param_names(cls, node["params"], where)
        params = {name: self.decode(item, name) for name, item in node["params"].items()}
        if "device" in params:
            params["device"] = "cpu"  # files always load onto the CPU
        if isinstance(params.get("torch_load_kwargs"), dict) and not params[
            "torch_load_kwargs"
        ].get("weights_only", True):
            # It would make a later net.load_params(...) unpickle whatever it reads.
            raise corrupt("torch_load_kwargs", "a file may not switch off weights_only")
        try:
            estimator = cls(**params)
        except TypeError as exc:
            raise corrupt(where or "params", str(exc)) from None
        unknown = set(node["fitted"]) - set(_persisted_attributes(cls))
        if unknown:
            raise corrupt(
                where or "fitted",
                f"attributes {sorted(unknown)} are not fitted attributes of {cls.__name__}",
            )
        check_required_attributes(cls, node["fitted"], _persisted_attributes(cls), where)
        for name, item in node["fitted"].items():
            setattr(estimator, name, self.decode(item, name))
        check_consistency(estimator, where)  # before the net is built from these values
        if "net" in node:
            if not isinstance(estimator, NeuralNet):
                raise corrupt(where or "net", f"{cls.__name__} has no network")
            self._restore_net(estimator, node["net"], where)
        elif isinstance(estimator, NeuralNet):
            raise corrupt(where or "net", f"a {cls.__name__} without its network")
        return estimator

    def _restore_net(self, net: NeuralNet, node: dict, where: str) -> None:
        check = getattr(net, "_check_params", None)
        try:
            if check is not None:
                check()  # e.g. P > M in the file: refuse it as the estimator's fit would
            # Re-initialising must not move the user's RNG.
            with torch.random.fork_rng(devices=[]):
                net.initialize()
        except (RuntimeError, TypeError, ValueError) as exc:
            raise corrupt(
                where + "params", f"the hyper-parameters do not build a network ({exc})"
            ) from None
        state = self.decode(node["module"], where + "module_")
        try:
            net.module_.load_state_dict(state, strict=True)
            net.optimizer_.load_state_dict(self.decode(node["optimizer"], where + "optimizer_"))
        except (RuntimeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise corrupt(
                where + "module_",
                f"the stored weights do not fit the "
                f"hyper-parameters ({' '.join(str(exc).split())[:300]})",
            ) from None
        net.module_.train(bool(node["training"]))
        history = self.decode(node["history"], where + "history")
        if not isinstance(history, History):
            raise corrupt(where + "history", "not a skorch History")
        net.history_ = history


def _read_file(path: str, max_bytes: int) -> tuple[Any, dict]:
    """The header document and the declared tensors, the header checked before any tensor."""
    if os.path.isdir(path):
        raise IsADirectoryError(
            errno.EISDIR,
            f"{path!r} is a directory; expected a model file written by est.save(path)",
        )
    if os.path.exists(path) and not os.path.isfile(path):  # opening a FIFO would block
        raise not_a_model_file(path, "it is not a regular file")
    with open(path, "rb") as handle:
        metadata, tensors = read_header(handle, path, max_bytes)
        if _HEADER_KEY not in metadata:
            raise ValueError(
                f"{path!r} is a safetensors file, but not an sk_alrnn model file: its metadata "
                f"has no {_HEADER_KEY!r} header. Only files written by est.save(path) can be "
                "loaded."
            )
        text = metadata[_HEADER_KEY]
        try:
            header = parse_json(text)
        except (ValueError, RecursionError):
            raise ValueError(f"{path!r}: the {_HEADER_KEY!r} header is not valid JSON.") from None
        _check_format(header, path)
        unnamed = sorted(set(tensors) - _array_keys(header))
        if unnamed:  # refused before reading: a 1.5 GiB tensor nobody uses costs nothing
            raise corrupt("tensors", f"{unnamed[:5]} are not declared in the header")
        arrays = dict(tensors)  # every tensor the document names, read once by its offsets
    stored = metadata.get(_DIGEST_KEY)
    if (stored is not None or header["format_version"] >= 2) and stored != digest(text, arrays):
        raise corrupt(
            "checksum",
            "the SHA-256 of its contents does not match the one it stores "
            "(the file was changed or damaged after it was saved)",
        )
    return header, arrays


def _array_keys(document: Any) -> set:
    """The tensor keys that the document's array nodes name (walked without recursion)."""
    keys, stack = set(), [document]
    while stack:
        node = stack.pop()
        if type(node) is dict:
            if node.get("t") == "array" and type(node.get("key")) is str:
                keys.add(node["key"])
            stack.extend(node.values())
        elif type(node) is list:
            stack.extend(node)
    return keys


def _check_format(header: Any, path: str) -> None:
    if type(header) is not dict or header.get("format") != FORMAT:
        raise ValueError(
            f"{path!r} is not an sk_alrnn model file: its header has no format={FORMAT!r}."
        )
    version = header.get("format_version")
    if type(version) is not int or version < 1:
        raise ValueError(f"{path!r}: format_version must be a positive int; got {version!r}.")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"{path!r} was written in sk_alrnn model-file format version {version}, but this "
            f"sk_alrnn {__version__} reads versions up to {FORMAT_VERSION}: upgrade sk_alrnn "
            f"(the file was written by sk_alrnn {header.get('versions', {}).get('sk_alrnn')})."
        )


def load(path: os.PathLike | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """Load an estimator written by ``est.save(path)``; the weights land on the CPU.

    Loading never executes code from the file: the metadata is parsed as JSON,
    tensors by safetensors, and classes come from fixed allow-lists.

    Parameters
    ----------
    path : str or os.PathLike
    max_bytes : int, default=2 GiB (2**31)
        Most tensor bytes the file may declare.  The safetensors header is
        read and checked first (its length at most 100 MB, known dtypes,
        sizes that match the shapes, tensors that follow each other without
        gaps or overlaps, a total within ``max_bytes`` and equal to the file
        size, every tensor named by the model's document), so a file that
        fails is refused without reading any tensor.

    Returns
    -------
    estimator
        A fitted estimator of the saved class, with ``device="cpu"``.

    Raises
    ------
    ValueError
        For a file that is not an sk_alrnn model file, one larger than
        ``max_bytes``, one written by a newer format version, one changed
        after it was saved (its checksum differs), or one whose contents are
        inconsistent (tensors that do not match the declared shapes, unknown
        classes, hyper-parameters the class does not take, fitted attributes
        it does not declare, labels that do not match the outputs, ...).
    OSError
        If the file cannot be read (``IsADirectoryError`` for a folder).

    Notes
    -----
    ``joblib.dump`` / ``joblib.load`` also work on the estimators, but loading
    a joblib or pickle file can execute arbitrary code: load those only from
    sources you trust, and use ``est.save`` / ``load`` to share models.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import sk_alrnn
    >>> X = np.random.RandomState(0).randn(20, 6, 2)
    >>> reg = sk_alrnn.ALRNNRegressor(M=4, P=1, max_epochs=2, random_state=0).fit(X, X[:, 0, 0])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "model.safetensors")
    ...     reg.save(path)
    ...     loaded = sk_alrnn.load(path)
    >>> bool((loaded.predict(X) == reg.predict(X)).all())
    True
    """
    path = os.fspath(path)
    header, arrays = _read_file(path, max_bytes)
    reader = _Reader(arrays)
    try:
        state = header["state"]
        if header.get("estimator") != state["class"]:
            raise corrupt(
                "estimator",
                f"the header names {header.get('estimator')!r} but holds a {state['class']!r}",
            )
        estimator = reader.estimator(state)
    except (
        KeyError, TypeError, AttributeError, IndexError, RecursionError, OverflowError
    ) as exc:  # fmt: skip
        raise corrupt("header", f"malformed ({type(exc).__name__}: {exc})") from None
    unused = sorted(set(arrays) - reader.used)
    if unused:
        raise corrupt("tensors", f"{unused[:5]} are not declared in the header")
    return estimator
