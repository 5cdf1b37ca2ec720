"""Safe model files: one safetensors file that runs no code when it is loaded.

A file holds

* tensors (safetensors' own binary layout): the module's ``state_dict``, the
  optimizer's moment buffers and every numeric numpy array of the fitted state
  (``regimes_.codes``, ``regimes_.counts``, integer labels, ...);
* one JSON document in the safetensors metadata under the key ``"sk_alrnn"``:
  ``format="sk_alrnn"``, ``format_version``, the estimator class name, library
  versions, the hyper-parameters and the fitted attributes, each value written
  as a small typed node (``{"t": "json", "v": 3}``, ``{"t": "array", "key": ...,
  "dtype": "<f4", "shape": [8, 8]}``, ``{"t": "class", "name": "torch.optim.Adam"}``, ...).

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
import json
import os
from typing import Any

import numpy as np
import safetensors
import scipy.sparse
import sklearn
import skorch
import torch
from safetensors.numpy import save_file
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet
from skorch.dataset import Dataset, ValidSplit
from skorch.history import History
from torch import nn
from torch.utils.data import DataLoader

from . import __version__
from ._module import ALRNNModule
from .analysis import RegimeSummary

__all__ = ["FORMAT", "FORMAT_VERSION", "PersistenceMixin", "load", "save"]

FORMAT = "sk_alrnn"
FORMAT_VERSION = 1
_HEADER_KEY = "sk_alrnn"

# Estimators the package defines (API.md).  A name is resolved on the package,
# so classes that do not exist in this version are simply not loadable.
_ESTIMATOR_NAMES = (
    "ALRNNClassifier",
    "ALRNNRegressor",
    "ALRNNForecaster",
    "ALRNNClassifierCV",
    "ALRNNRegressorCV",
)

# Class-valued hyper-parameters that may be written, by public name.
_ALLOWED_CLASSES = {
    "torch.optim.Adam": torch.optim.Adam,
    "torch.optim.AdamW": torch.optim.AdamW,
    "torch.optim.SGD": torch.optim.SGD,
    "torch.optim.RAdam": torch.optim.RAdam,
    "torch.optim.RMSprop": torch.optim.RMSprop,
    "torch.optim.NAdam": torch.optim.NAdam,
    "torch.optim.Adamax": torch.optim.Adamax,
    "torch.optim.Adagrad": torch.optim.Adagrad,
    "torch.optim.Adadelta": torch.optim.Adadelta,
    "torch.nn.CrossEntropyLoss": nn.CrossEntropyLoss,
    "torch.nn.NLLLoss": nn.NLLLoss,
    "torch.nn.MSELoss": nn.MSELoss,
    "torch.nn.L1Loss": nn.L1Loss,
    "torch.nn.HuberLoss": nn.HuberLoss,
    "torch.nn.SmoothL1Loss": nn.SmoothL1Loss,
    "torch.utils.data.DataLoader": DataLoader,
    "skorch.dataset.Dataset": Dataset,
    "sk_alrnn.ALRNNModule": ALRNNModule,
}
# Longest label a string array may declare (numpy stores 4 bytes per character).
_MAX_STR_BYTES = 4 * 4096
_CLASS_NAMES = {id(cls): name for name, cls in _ALLOWED_CLASSES.items()}

# Dataclass results stored field by field.
_RECORDS = {"RegimeSummary": RegimeSummary}

_TRUSTED_ONLY = (
    "To keep such an estimator, use joblib.dump/joblib.load, and only ever load "
    "joblib/pickle files from sources you trust: unpickling can run arbitrary code."
)


def _estimator_classes() -> dict[str, type]:
    import sk_alrnn

    classes = {}
    for name in _ESTIMATOR_NAMES:
        try:
            classes[name] = getattr(sk_alrnn, name)
        except AttributeError:  # not part of this version of the package
            continue
    return classes


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
        """
        save(self, path)


def _refuse(where: str, value: Any, why: str) -> ValueError:
    root = where.split(".")[0].split("[")[0]
    return ValueError(
        f"Cannot save {root!r} safely: {where} is {why} ({type(value).__name__} "
        f"{_short_repr(value)}). Model files store only numbers, strings, numeric "
        "arrays and the allow-listed optimizer/criterion classes "
        f"({', '.join(sorted(_ALLOWED_CLASSES))}). " + _TRUSTED_ONLY
    )


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _plain_json(value: Any, where: str) -> Any:
    """A JSON-native copy of nested lists/dicts of numbers and strings."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return value.item()
    if type(value) in (list, tuple):
        return [_plain_json(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if type(value) is dict and all(type(key) is str for key in value):
        return {key: _plain_json(item, f"{where}[{key!r}]") for key, item in value.items()}
    raise _refuse(where, value, "an object that cannot be stored safely")


# ---- writing -----------------------------------------------------------------
class _Writer:
    """Turns values into JSON nodes; numeric arrays go to ``self.arrays``."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def array(self, value: np.ndarray, where: str) -> dict:
        if value.dtype.kind not in "biuf":
            raise _refuse(where, value, f"an array of dtype {value.dtype}")
        self.arrays[where] = np.array(value, dtype=value.dtype.newbyteorder("="), order="C")
        return {
            "t": "array",
            "key": where,
            "dtype": self.arrays[where].dtype.str,
            "shape": list(value.shape),
        }

    def encode(self, value: Any, where: str) -> dict:
        if value is None or isinstance(value, (bool, str)):
            return {"t": "json", "v": value}
        if isinstance(value, (int, float)) and type(value) in (int, float):
            return {"t": "json", "v": value}
        if isinstance(value, np.generic) and value.dtype.kind in "biuf":
            return {"t": "scalar", "dtype": value.dtype.str, "v": value.item()}
        if isinstance(value, np.ma.MaskedArray):
            return {
                "t": "masked",
                "data": self.encode(np.ma.getdata(value), where + ".data"),
                "mask": self.array(np.ma.getmaskarray(value), where + ".mask"),
            }
        if isinstance(value, np.ndarray):
            return self._ndarray(value, where)
        if isinstance(value, torch.Tensor):
            if value.dtype not in (
                torch.float64,
                torch.float32,
                torch.float16,
                torch.int64,
                torch.int32,
                torch.int16,
                torch.int8,
                torch.uint8,
                torch.bool,
            ):
                raise _refuse(where, value, f"a tensor of dtype {value.dtype}")
            return {"t": "tensor", "v": self.array(value.detach().cpu().numpy(), where)}
        if scipy.sparse.issparse(value) and value.format == "csr":
            return {
                "t": "csr",
                "matrix": not isinstance(value, scipy.sparse.sparray),
                "shape": list(value.shape),
                "data": self.array(value.data, where + ".data"),
                "indices": self.array(value.indices, where + ".indices"),
                "indptr": self.array(value.indptr, where + ".indptr"),
            }
        if isinstance(value, History):
            # Plain JSON (numpy scalars as Python numbers): ~3x smaller than typed nodes.
            return {"t": "History", "v": _plain_json(list(value), where)}
        if type(value) in (list, tuple):
            return {
                "t": type(value).__name__,
                "v": [self.encode(item, f"{where}[{i}]") for i, item in enumerate(value)],
            }
        if type(value) is dict:
            return self._dict(value, where)
        if isinstance(value, type) and id(value) in _CLASS_NAMES:
            return {"t": "class", "name": _CLASS_NAMES[id(value)]}
        if type(value) is ValidSplit:
            return {
                "t": "ValidSplit",
                "v": {
                    name: self.encode(getattr(value, name), f"{where}.{name}")
                    for name in ("cv", "stratified", "random_state")
                },
            }
        if type(value) is LabelEncoder:
            return {
                "t": "LabelEncoder",
                "classes": self.encode(value.classes_, "classes_"),
            }
        if type(value) in _RECORDS.values() and dataclasses.is_dataclass(value):
            return {
                "t": "record",
                "name": type(value).__name__,
                "v": {
                    field.name: self.encode(getattr(value, field.name), f"{where}.{field.name}")
                    for field in dataclasses.fields(value)
                },
            }
        if type(value) in _estimator_classes().values():
            return {"t": "estimator", "v": self.estimator(value, where)}
        if isinstance(value, type):
            raise _refuse(where, value, "a class that is not on the allow-list")
        raise _refuse(where, value, "an object that cannot be stored safely")

    def _ndarray(self, value: np.ndarray, where: str) -> dict:
        if value.dtype.kind in "biuf":
            return self.array(value, where)
        if value.dtype.kind == "U":
            return {
                "t": "str_array",
                "dtype": value.dtype.str,
                "shape": list(value.shape),
                "v": value.ravel().tolist(),
            }
        if value.dtype.kind == "O":
            items = []
            for i, item in enumerate(value.ravel()):
                if not (item is None or isinstance(item, (str, bool, int, float, np.generic))):
                    raise _refuse(
                        f"{where}[{i}]",
                        item,
                        "an object that cannot be stored safely "
                        "(labels and object arrays may hold str, int, float, bool)",
                    )
                items.append(self.encode(item, f"{where}[{i}]"))
            return {"t": "object_array", "shape": list(value.shape), "v": items}
        raise _refuse(where, value, f"an array of dtype {value.dtype}")

    def _dict(self, value: dict, where: str) -> dict:
        items = []
        for key, item in value.items():
            if type(key) not in (str, int):
                raise _refuse(where, key, "a dict key that is neither str nor int")
            items.append([key, self.encode(item, f"{where}[{key!r}]")])
        return {"t": "dict", "v": items}

    def estimator(self, estimator: Any, where: str = "") -> dict:
        """The JSON description of a fitted estimator; its arrays go to ``self.arrays``."""
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
            f"got {type(estimator).__name__}. " + _TRUSTED_ONLY
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
    metadata = {_HEADER_KEY: json.dumps(header)}
    path = os.fspath(path)
    partial = f"{path}.partial"
    save_file(writer.arrays, partial, metadata=metadata)
    os.replace(partial, path)


# ---- reading -----------------------------------------------------------------
def _corrupt(where: str, why: str) -> ValueError:
    return ValueError(f"Inconsistent sk_alrnn model file: {where}: {why}.")


def _dtype(text: Any, where: str, kinds: str) -> np.dtype:
    try:
        dtype = np.dtype(str(text))
    except TypeError:
        raise _corrupt(where, f"unknown dtype {text!r}") from None
    if dtype.kind not in kinds:
        raise _corrupt(where, f"dtype {dtype} is not allowed here")
    return dtype


class _Reader:
    """Turns JSON nodes back into values; checks every node against the tensors."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.arrays = arrays
        self.used: set = set()

    def array(self, node: dict, where: str) -> np.ndarray:
        key = node["key"]
        if key not in self.arrays or key in self.used:
            raise _corrupt(where, f"tensor {key!r} is missing")
        value = self.arrays[key]
        declared = _dtype(node["dtype"], where, "biuf")
        if value.dtype != declared or list(value.shape) != list(node["shape"]):
            raise _corrupt(
                where,
                f"tensor {key!r} is {value.dtype}{list(value.shape)}, "
                f"but the header declares {declared}{node['shape']}",
            )
        self.used.add(key)
        return value

    def decode(self, node: Any, where: str) -> Any:
        if type(node) is not dict or not isinstance(node.get("t"), str):
            raise _corrupt(where, "a value is not a typed node")
        kind = node["t"]
        if kind == "json":
            if node["v"] is not None and type(node["v"]) not in (bool, int, float, str):
                raise _corrupt(where, "a plain value holds a container")
            return node["v"]
        if kind == "scalar":
            return _dtype(node["dtype"], where, "biuf").type(node["v"])
        if kind == "array":
            return self.array(node, where)
        if kind == "str_array":
            dtype = _dtype(node["dtype"], where, "U")
            if not all(type(item) is str for item in node["v"]):
                raise _corrupt(where, "a string array holds non-strings")
            if dtype.itemsize > _MAX_STR_BYTES:  # "<U100000000": 400 MB per label
                raise _corrupt(where, f"string dtype {dtype} is implausibly wide")
            return np.array(node["v"], dtype=dtype).reshape(node["shape"])
        if kind == "object_array":
            items = [self.decode(item, f"{where}[{i}]") for i, item in enumerate(node["v"])]
            value = np.empty(len(items), dtype=object)
            value[:] = items
            return value.reshape(node["shape"])
        if kind == "masked":
            return np.ma.MaskedArray(
                self.decode(node["data"], where), mask=self.array(node["mask"], where)
            )
        if kind == "tensor":
            return torch.from_numpy(self.array(node["v"], where).copy())
        if kind == "csr":
            parts = [self.array(node[name], where) for name in ("data", "indices", "indptr")]
            cls = scipy.sparse.csr_matrix if node["matrix"] else scipy.sparse.csr_array
            value = cls(tuple(parts), shape=tuple(node["shape"]))
            value.check_format(full_check=True)
            return value
        if kind == "History":
            if type(node["v"]) is not list or not all(type(row) is dict for row in node["v"]):
                raise _corrupt(where, "the history is not a list of epoch records")
            return History(node["v"])
        if kind in ("list", "tuple"):
            items = [self.decode(item, f"{where}[{i}]") for i, item in enumerate(node["v"])]
            return list(items) if kind == "list" else tuple(items)
        if kind == "dict":
            return {
                self._key(key, where): self.decode(item, f"{where}[{key!r}]")
                for key, item in node["v"]
            }
        if kind == "class":
            if node["name"] not in _ALLOWED_CLASSES:
                raise _corrupt(where, f"class {node['name']!r} is not on the allow-list")
            return _ALLOWED_CLASSES[node["name"]]
        if kind == "ValidSplit":
            return ValidSplit(
                **self._fields(node["v"], where, {"cv", "stratified", "random_state"})
            )
        if kind == "LabelEncoder":
            encoder = LabelEncoder()
            encoder.classes_ = self.decode(node["classes"], where)
            return encoder
        if kind == "record":
            if node["name"] not in _RECORDS:
                raise _corrupt(where, f"record type {node['name']!r} is not on the allow-list")
            cls = _RECORDS[node["name"]]
            return cls(**self._fields(node["v"], where, {f.name for f in dataclasses.fields(cls)}))
        if kind == "estimator":
            return self.estimator(node["v"], where)
        raise _corrupt(where, f"unknown node type {kind!r}")

    @staticmethod
    def _key(key: Any, where: str) -> Any:
        if type(key) not in (str, int):
            raise _corrupt(where, "a dict key is neither str nor int")
        return key

    def _fields(self, nodes: dict, where: str, names: set) -> dict:
        if type(nodes) is not dict or set(nodes) != names:
            raise _corrupt(where, f"expected the fields {sorted(names)}")
        return {name: self.decode(node, f"{where}.{name}") for name, node in nodes.items()}

    def estimator(self, node: dict, where: str = "") -> Any:
        classes = _estimator_classes()
        if node["class"] not in classes:
            raise _corrupt(
                where or "estimator",
                f"unknown estimator class {node['class']!r} (this version knows {sorted(classes)})",
            )
        cls = classes[node["class"]]
        params = {name: self.decode(item, name) for name, item in node["params"].items()}
        if "device" in params:
            params["device"] = "cpu"  # files always load onto the CPU
        if isinstance(params.get("torch_load_kwargs"), dict) and not params[
            "torch_load_kwargs"
        ].get("weights_only", True):
            # It would make a later net.load_params(...) unpickle whatever it reads.
            raise _corrupt("torch_load_kwargs", "a file may not switch off weights_only")
        try:
            estimator = cls(**params)
        except TypeError as exc:
            raise _corrupt(where or "params", str(exc)) from None
        unknown = set(node["fitted"]) - set(_persisted_attributes(cls))
        if unknown:
            raise _corrupt(
                where or "fitted",
                f"attributes {sorted(unknown)} are not fitted attributes of {cls.__name__}",
            )
        for name, item in node["fitted"].items():
            setattr(estimator, name, self.decode(item, name))
        if "net" in node:
            if not isinstance(estimator, NeuralNet):
                raise _corrupt(where or "net", f"{cls.__name__} has no network")
            self._restore_net(estimator, node["net"], where)
        return estimator

    def _restore_net(self, net: NeuralNet, node: dict, where: str) -> None:
        # Re-initialising must not move the user's RNG.
        with torch.random.fork_rng(devices=[]):
            net.initialize()
        state = self.decode(node["module"], where + "module_")
        try:
            net.module_.load_state_dict(state, strict=True)
            net.optimizer_.load_state_dict(self.decode(node["optimizer"], where + "optimizer_"))
        except (RuntimeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _corrupt(
                where + "module_",
                f"the stored weights do not fit the "
                f"hyper-parameters ({' '.join(str(exc).split())[:300]})",
            ) from None
        net.module_.train(bool(node["training"]))
        history = self.decode(node["history"], where + "history")
        if not isinstance(history, History):
            raise _corrupt(where + "history", "not a skorch History")
        net.history_ = history


def _read_file(path: str):
    try:
        with safetensors.safe_open(path, framework="np") as handle:
            metadata = handle.metadata() or {}
            arrays = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118 - safe_open is not a dict
    except safetensors.SafetensorError as exc:
        raise ValueError(
            f"{path!r} is not an sk_alrnn model file: it is not a safetensors file ({exc})."
        ) from None
    if _HEADER_KEY not in metadata:
        raise ValueError(
            f"{path!r} is a safetensors file, but not an sk_alrnn model file: its metadata has "
            f"no {_HEADER_KEY!r} header. Only files written by est.save(path) can be loaded."
        )
    try:
        header = json.loads(metadata[_HEADER_KEY])
    except (ValueError, RecursionError):
        raise ValueError(f"{path!r}: the {_HEADER_KEY!r} header is not valid JSON.") from None
    return header, arrays


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


def load(path: os.PathLike | str) -> Any:
    """Load an estimator written by ``est.save(path)``; the weights land on the CPU.

    Loading never executes code from the file: the metadata is parsed as JSON,
    tensors by safetensors, and classes come from fixed allow-lists.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    estimator
        A fitted estimator of the saved class, with ``device="cpu"``.

    Raises
    ------
    ValueError
        For a file that is not an sk_alrnn model file, one written by a newer
        format version, or one whose contents are inconsistent (tensors that
        do not match the declared shapes, unknown classes, ...).

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
    header, arrays = _read_file(path)
    _check_format(header, path)
    reader = _Reader(arrays)
    try:
        estimator = reader.estimator(header["state"])
    except (KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise _corrupt("header", f"malformed ({type(exc).__name__}: {exc})") from None
    unused = sorted(set(arrays) - reader.used)
    if unused:
        raise _corrupt("tensors", f"{unused[:5]} are not declared in the header")
    return estimator
