"""Values <-> typed JSON nodes plus numeric arrays: the value layer of the safe model files.

Every value is written as a small typed node, e.g. ``{"t": "json", "v": 3}``,
``{"t": "array", "key": "regimes_.codes", "dtype": "|b1", "shape": [4, 2]}`` (the
array itself goes to the tensors of the file) or ``{"t": "class", "name":
"torch.optim.Adam"}``.  Reading accepts only these node types, looks classes up
in fixed allow-lists, and checks every array against its declared dtype and
shape; nothing read can name code to import or run.  Estimator-valued nodes
(a CV estimator's ``best_estimator_``) are left to subclasses
(:mod:`sk_alrnn.io._persistence`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse
import torch
from sklearn.preprocessing import LabelEncoder
from skorch.dataset import Dataset, ValidSplit
from skorch.history import History
from torch import nn
from torch.utils.data import DataLoader

__all__ = ["Reader", "Writer", "corrupt", "register_class", "register_record"]

# Class-valued hyper-parameters that may be written, by public name.
ALLOWED_CLASSES = {
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
}  # the package's own torch modules are added by register_class
_CLASS_NAMES = {id(cls): name for name, cls in ALLOWED_CLASSES.items()}
# Dataclass results stored field by field, added by register_record.
_RECORDS: dict[str, type] = {}


def register_class(cls: type, name: str) -> None:
    """Allow the class ``cls`` as a hyper-parameter value of a file, stored as ``name``.

    The codec knows no class of the package itself: the estimators register
    the classes they may store (their torch modules) when they are defined.

    Examples
    --------
    >>> register_class(torch.nn.GRU, "torch.nn.GRU")
    >>> ALLOWED_CLASSES["torch.nn.GRU"] is torch.nn.GRU
    True
    """
    ALLOWED_CLASSES[name] = cls
    _CLASS_NAMES[id(cls)] = name


def register_record(cls: type) -> None:
    """Allow the dataclass ``cls`` as a stored value, written field by field.

    Examples
    --------
    >>> @dataclasses.dataclass
    ... class Point:
    ...     x: float
    >>> register_record(Point)
    >>> _RECORDS["Point"] is Point
    True
    """
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"Only dataclasses can be stored as records; got {cls!r}.")
    _RECORDS[cls.__name__] = cls


_TENSOR_DTYPES = (
    torch.float64, torch.float32, torch.float16, torch.int64, torch.int32, torch.int16,
    torch.int8, torch.uint8, torch.bool,
)  # fmt: skip
# Longest label a string array may declare (numpy stores 4 bytes per character).
_MAX_STR_BYTES = 4 * 4096

TRUSTED_ONLY = (
    "To keep such an estimator, use joblib.dump/joblib.load, and only ever load "
    "joblib/pickle files from sources you trust: unpickling can run arbitrary code."
)


def refuse(where: str, value: Any, why: str) -> ValueError:
    """The save-time error: names the parameter or attribute ``where`` belongs to."""
    root = where.split(".")[0].split("[")[0]
    text = repr(value)
    text = text if len(text) <= 60 else text[:57] + "..."
    return ValueError(
        f"Cannot save {root!r} safely: {where} is {why} ({type(value).__name__} {text}). "
        "Model files store only numbers, strings, numeric arrays and the allow-listed "
        f"optimizer/criterion classes ({', '.join(sorted(ALLOWED_CLASSES))}). " + TRUSTED_ONLY
    )


def corrupt(where: str, why: str) -> ValueError:
    """The load-time error for a file whose contents do not add up."""
    return ValueError(f"Inconsistent sk_alrnn model file: {where}: {why}.")


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
    raise refuse(where, value, "an object that cannot be stored safely")


def _dtype(text: Any, where: str, kinds: str) -> np.dtype:
    try:
        dtype = np.dtype(str(text))
    except TypeError:
        raise corrupt(where, f"unknown dtype {text!r}") from None
    if dtype.kind not in kinds:
        raise corrupt(where, f"dtype {dtype} is not allowed here")
    return dtype


# ---- writing -------------------------------------------------------------------
class Writer:
    """Turns values into typed nodes; numeric arrays are collected in ``self.arrays``."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def is_estimator(self, value: Any) -> bool:
        """Whether ``value`` is written as a nested estimator (see subclasses)."""
        return False

    def estimator(self, value: Any, where: str) -> dict:
        """The node body of a nested estimator (see subclasses)."""
        raise NotImplementedError

    def encode(self, value: Any, where: str) -> dict:
        """The node for ``value``; ``where`` (its path) names it in errors and array keys."""
        for encoder in (self._scalar, self._array_like, self._container, self._object):
            node = encoder(value, where)
            if node is not None:
                return node
        if isinstance(value, type):
            raise refuse(where, value, "a class that is not on the allow-list")
        raise refuse(where, value, "an object that cannot be stored safely")

    def array(self, value: np.ndarray, where: str) -> dict:
        """Store a numeric array as a tensor of the file; the node records dtype and shape."""
        if value.dtype.kind not in "biuf":
            raise refuse(where, value, f"an array of dtype {value.dtype}")
        self.arrays[where] = np.array(value, dtype=value.dtype.newbyteorder("="), order="C")
        dtype = self.arrays[where].dtype.str
        return {"t": "array", "key": where, "dtype": dtype, "shape": list(value.shape)}

    def _scalar(self, value: Any, where: str) -> dict | None:
        if value is None or type(value) in (bool, str, int, float):
            return {"t": "json", "v": value}
        if isinstance(value, np.generic) and value.dtype.kind in "biuf":
            return {"t": "scalar", "dtype": value.dtype.str, "v": value.item()}
        return None

    def _array_like(self, value: Any, where: str) -> dict | None:
        if isinstance(value, np.ma.MaskedArray):
            data = self.encode(np.ma.getdata(value), where + ".data")
            mask = self.array(np.ma.getmaskarray(value), where + ".mask")
            return {"t": "masked", "data": data, "mask": mask}
        if isinstance(value, np.ndarray):
            return self._ndarray(value, where)
        if isinstance(value, torch.Tensor):
            if value.dtype not in _TENSOR_DTYPES:
                raise refuse(where, value, f"a tensor of dtype {value.dtype}")
            return {"t": "tensor", "v": self.array(value.detach().cpu().numpy(), where)}
        if scipy.sparse.issparse(value) and value.format == "csr":
            parts = {name: self.array(getattr(value, name), f"{where}.{name}")
                     for name in ("data", "indices", "indptr")}  # fmt: skip
            matrix = not isinstance(value, scipy.sparse.sparray)
            return {"t": "csr", "matrix": matrix, "shape": list(value.shape), **parts}
        return None

    def _ndarray(self, value: np.ndarray, where: str) -> dict:
        if value.dtype.kind in "biuf":
            return self.array(value, where)
        shape = list(value.shape)
        if value.dtype.kind == "U":
            items = value.ravel().tolist()
            return {"t": "str_array", "dtype": value.dtype.str, "shape": shape, "v": items}
        if value.dtype.kind != "O":
            raise refuse(where, value, f"an array of dtype {value.dtype}")
        items = []
        for i, item in enumerate(value.ravel()):
            if not (item is None or isinstance(item, (str, bool, int, float, np.generic))):
                why = "an object (labels and object arrays may hold str, int, float, bool)"
                raise refuse(f"{where}[{i}]", item, why)
            items.append(self.encode(item, f"{where}[{i}]"))
        return {"t": "object_array", "shape": shape, "v": items}

    def _container(self, value: Any, where: str) -> dict | None:
        if isinstance(value, History):
            # Plain JSON (numpy scalars as Python numbers): ~3x smaller than typed nodes.
            return {"t": "History", "v": _plain_json(list(value), where)}
        if type(value) in (list, tuple):
            items = [self.encode(item, f"{where}[{i}]") for i, item in enumerate(value)]
            return {"t": type(value).__name__, "v": items}
        if type(value) is dict:
            items = []
            for key, item in value.items():
                if type(key) not in (str, int):
                    raise refuse(where, key, "a dict key that is neither str nor int")
                items.append([key, self.encode(item, f"{where}[{key!r}]")])
            return {"t": "dict", "v": items}
        return None

    def _fields(self, value: Any, names, where: str) -> dict:
        return {name: self.encode(getattr(value, name), f"{where}.{name}") for name in names}

    def _object(self, value: Any, where: str) -> dict | None:
        if isinstance(value, type) and id(value) in _CLASS_NAMES:
            return {"t": "class", "name": _CLASS_NAMES[id(value)]}
        if type(value) is ValidSplit:
            fields = self._fields(value, ("cv", "stratified", "random_state"), where)
            return {"t": "ValidSplit", "v": fields}
        if type(value) is LabelEncoder:
            # Keyed by its own path: a file may hold several encoders (nested estimators).
            classes = self.encode(value.classes_, f"{where}.classes_")
            return {"t": "LabelEncoder", "classes": classes}
        if type(value) in _RECORDS.values():
            names = [field.name for field in dataclasses.fields(value)]
            fields = self._fields(value, names, where)
            return {"t": "record", "name": type(value).__name__, "v": fields}
        if self.is_estimator(value):
            return {"t": "estimator", "v": self.estimator(value, where)}
        return None


# ---- reading -------------------------------------------------------------------
class Reader:
    """Turns typed nodes back into values; checks every node against the file's tensors."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.arrays = arrays
        self.used: set = set()
        self._decoders: dict[str, Callable[[dict, str], Any]] = {
            "json": self._json, "scalar": self._scalar, "array": self.array,
            "str_array": self._str_array, "object_array": self._object_array,
            "masked": self._masked, "tensor": self._tensor, "csr": self._csr,
            "History": self._history, "list": self._sequence, "tuple": self._sequence,
            "dict": self._dict, "class": self._class, "ValidSplit": self._valid_split,
            "LabelEncoder": self._label_encoder, "record": self._record,
            "estimator": lambda node, where: self.estimator(node["v"], where),
        }  # fmt: skip

    def estimator(self, node: dict, where: str) -> Any:
        """A nested estimator (see subclasses)."""
        raise corrupt(where, "nested estimators are not readable here")

    def decode(self, node: Any, where: str) -> Any:
        """The value of ``node``; ValueError for anything but a well-formed known node."""
        kind = node.get("t") if type(node) is dict else None
        if not isinstance(kind, str) or kind not in self._decoders:
            raise corrupt(where, f"unknown node type {kind!r}")
        return self._decoders[kind](node, where)

    def array(self, node: dict, where: str) -> np.ndarray:
        """The tensor ``node`` refers to, which must have the declared dtype and shape."""
        key = node["key"]
        if key not in self.arrays or key in self.used:
            raise corrupt(where, f"tensor {key!r} is missing")
        value = self.arrays[key]
        declared = _dtype(node["dtype"], where, "biuf")
        if value.dtype != declared or list(value.shape) != list(node["shape"]):
            got = f"{value.dtype}{list(value.shape)}"
            raise corrupt(where, f"tensor {key!r} is {got}, but the header declares "
                                 f"{declared}{node['shape']}")  # fmt: skip
        self.used.add(key)
        return value

    @staticmethod
    def _json(node: dict, where: str) -> Any:
        if node["v"] is not None and type(node["v"]) not in (bool, int, float, str):
            raise corrupt(where, "a plain value holds a container")
        return node["v"]

    @staticmethod
    def _scalar(node: dict, where: str) -> Any:
        return _dtype(node["dtype"], where, "biuf").type(node["v"])

    @staticmethod
    def _str_array(node: dict, where: str) -> np.ndarray:
        dtype = _dtype(node["dtype"], where, "U")
        if not all(type(item) is str for item in node["v"]):
            raise corrupt(where, "a string array holds non-strings")
        if dtype.itemsize > _MAX_STR_BYTES:  # "<U100000000": 400 MB per label
            raise corrupt(where, f"string dtype {dtype} is implausibly wide")
        return np.array(node["v"], dtype=dtype).reshape(node["shape"])

    def _object_array(self, node: dict, where: str) -> np.ndarray:
        items = [self.decode(item, f"{where}[{i}]") for i, item in enumerate(node["v"])]
        value = np.empty(len(items), dtype=object)
        value[:] = items
        return value.reshape(node["shape"])

    def _masked(self, node: dict, where: str) -> np.ma.MaskedArray:
        data = self.decode(node["data"], where)
        return np.ma.MaskedArray(data, mask=self.array(node["mask"], where))

    def _tensor(self, node: dict, where: str) -> torch.Tensor:
        return torch.from_numpy(self.array(node["v"], where).copy())

    def _csr(self, node: dict, where: str):
        parts = tuple(self.array(node[name], where) for name in ("data", "indices", "indptr"))
        cls = scipy.sparse.csr_matrix if node["matrix"] else scipy.sparse.csr_array
        value = cls(parts, shape=tuple(node["shape"]))
        value.check_format(full_check=True)
        return value

    @staticmethod
    def _history(node: dict, where: str) -> History:
        if type(node["v"]) is not list or not all(type(row) is dict for row in node["v"]):
            raise corrupt(where, "the history is not a list of epoch records")
        return History(node["v"])

    def _sequence(self, node: dict, where: str) -> list | tuple:
        items = [self.decode(item, f"{where}[{i}]") for i, item in enumerate(node["v"])]
        return items if node["t"] == "list" else tuple(items)

    def _dict(self, node: dict, where: str) -> dict:
        value = {}
        for key, item in node["v"]:
            if type(key) not in (str, int):
                raise corrupt(where, "a dict key is neither str nor int")
            value[key] = self.decode(item, f"{where}[{key!r}]")
        return value

    @staticmethod
    def _class(node: dict, where: str) -> type:
        if node["name"] not in ALLOWED_CLASSES:
            raise corrupt(where, f"class {node['name']!r} is not on the allow-list")
        return ALLOWED_CLASSES[node["name"]]

    def _fields(self, nodes: dict, where: str, names: set) -> dict:
        if type(nodes) is not dict or set(nodes) != names:
            raise corrupt(where, f"expected the fields {sorted(names)}")
        return {name: self.decode(node, f"{where}.{name}") for name, node in nodes.items()}

    def _valid_split(self, node: dict, where: str) -> ValidSplit:
        return ValidSplit(**self._fields(node["v"], where, {"cv", "stratified", "random_state"}))

    def _label_encoder(self, node: dict, where: str) -> LabelEncoder:
        encoder = LabelEncoder()
        encoder.classes_ = self.decode(node["classes"], where)
        return encoder

    def _record(self, node: dict, where: str) -> Any:
        if node["name"] not in _RECORDS:
            raise corrupt(where, f"record type {node['name']!r} is not on the allow-list")
        cls = _RECORDS[node["name"]]
        names = {field.name for field in dataclasses.fields(cls)}
        return cls(**self._fields(node["v"], where, names))
