"""Reading a safetensors file header-first, so a hostile file costs milliseconds and no memory.

A safetensors file is ``u64 little-endian n`` + ``n`` bytes of JSON + the tensor
bytes.  The JSON maps each tensor name to ``{"dtype", "shape", "data_offsets":
[begin, end]}`` (offsets into the bytes after the header) and may hold a
``"__metadata__"`` dict of strings.  :func:`read_header` reads and checks only
that header, before any tensor:

* the header length is at most :data:`MAX_HEADER_BYTES` and fits in the file;
* the JSON is an object without repeated keys;
* every dtype is one numpy reads (``F64 F32 F16 I64 I32 I16 I8 U64 U32 U16 U8
  BOOL``), every shape a list of non-negative ints, and ``end - begin`` equals
  the shape's element count times the dtype's size;
* the tensors' byte ranges, sorted, start at 0 and follow each other with no
  gap and no overlap;
* their total is at most ``max_bytes`` (:data:`DEFAULT_MAX_BYTES`, 2 GiB) and
  equals the file size minus the header.

:class:`Tensors` then reads a tensor only when it is asked for, by its offsets,
into a fresh buffer of exactly the declared size; nothing else is read.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Iterator, Mapping
from typing import IO, Any

import numpy as np

__all__ = [
    "DEFAULT_MAX_BYTES", "MAX_HEADER_BYTES", "Tensors", "digest", "parse_json", "read_header",
]  # fmt: skip

# The declared tensor bytes a file may hold unless load(max_bytes=...) says otherwise:
# a model of this package is kilobytes to a few MB (M=512 with Adam moments: ~6 MB).
DEFAULT_MAX_BYTES = 2 * 1024**3
# safetensors' own limit for the JSON header (its MAX_HEADER_SIZE).
MAX_HEADER_BYTES = 100_000_000

_DTYPES = {
    "F64": np.dtype("<f8"), "F32": np.dtype("<f4"), "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"), "I32": np.dtype("<i4"), "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"), "U64": np.dtype("<u8"), "U32": np.dtype("<u4"),
    "U16": np.dtype("<u2"), "U8": np.dtype("u1"), "BOOL": np.dtype("?"),
}  # fmt: skip


def not_a_model_file(path: str, why: str) -> ValueError:
    """The error for a file that is not (or no longer) a well-formed safetensors file."""
    return ValueError(f"{path!r} is not an sk_alrnn model file: {why}.")


def _no_repeated_keys(pairs: list) -> dict:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        raise ValueError(f"the JSON repeats the keys {repeated[:5]}")
    return dict(pairs)


def parse_json(text: str | bytes) -> Any:
    """``json.loads`` that refuses repeated keys (a second value could hide behind the first)."""
    return json.loads(text, object_pairs_hook=_no_repeated_keys)


def _is_count(value: Any) -> bool:
    return type(value) is int and value >= 0


def _entry(name: str, entry: Any, path: str) -> tuple[np.dtype, tuple, int, int]:
    """Check one tensor declaration; returns (dtype, shape, begin, end)."""
    if type(entry) is not dict or set(entry) != {"dtype", "shape", "data_offsets"}:
        raise not_a_model_file(
            path, f"tensor {name!r} is not declared as {{dtype, shape, data_offsets}}"
        )
    dtype = _DTYPES.get(entry["dtype"]) if type(entry["dtype"]) is str else None
    if dtype is None:
        raise not_a_model_file(
            path, f"tensor {name!r} has dtype {entry['dtype']!r}; expected one of {sorted(_DTYPES)}"
        )
    shape, offsets = entry["shape"], entry["data_offsets"]
    if type(shape) is not list or not all(_is_count(size) for size in shape):
        why = f"tensor {name!r} has shape {shape!r}; expected a list of ints >= 0"
        raise not_a_model_file(path, why)
    if type(offsets) is not list or len(offsets) != 2 or not all(map(_is_count, offsets)):
        why = f"tensor {name!r} has data_offsets {offsets!r}; expected [begin, end]"
        raise not_a_model_file(path, why)
    begin, end = offsets
    # Python ints: a declared shape cannot overflow this product.
    if end - begin != math.prod(shape) * dtype.itemsize:
        raise not_a_model_file(
            path,
            f"tensor {name!r} declares {end - begin} bytes for shape {shape} of {entry['dtype']} "
            f"({math.prod(shape) * dtype.itemsize} bytes)",
        )
    return dtype, tuple(shape), begin, end


def _read_prefix(handle: IO[bytes], path: str, file_size: int) -> Any:
    """The header's JSON, after checking its declared length against the limits."""
    if file_size < 8:
        why = f"it is not a safetensors file ({file_size} bytes, fewer than a header)"
        raise not_a_model_file(path, why)
    length = int.from_bytes(handle.read(8), "little")
    if length > min(MAX_HEADER_BYTES, file_size - 8):
        raise not_a_model_file(
            path,
            f"it is not a safetensors file (its first 8 bytes declare a {length}-byte header, "
            f"but the file has {file_size - 8} bytes after them and a header may have at most "
            f"{MAX_HEADER_BYTES})",
        )
    try:
        header = parse_json(handle.read(length))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        why = f"it is not a safetensors file (its header is not valid JSON: {exc})"
        raise not_a_model_file(path, why) from None
    if type(header) is not dict:
        raise not_a_model_file(path, "it is not a safetensors file (its header is not an object)")
    return header, 8 + length


def read_header(
    handle: IO[bytes], path: str, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[dict, Tensors]:
    """Check the safetensors header of the open file ``handle``; no tensor is read.

    Parameters
    ----------
    handle : binary file opened for reading, at position 0
    path : str
        The user's path, for messages.
    max_bytes : int, default=2 GiB
        Most tensor bytes the file may declare.

    Returns
    -------
    metadata : dict of str to str
        The header's ``"__metadata__"`` (empty if absent).
    tensors : Tensors
        The declared tensors, read on access.

    Raises
    ------
    ValueError
        Naming the first check the file fails.
    """
    file_size = os.fstat(handle.fileno()).st_size
    header, start = _read_prefix(handle, path, file_size)
    metadata = header.pop("__metadata__", {})
    if type(metadata) is not dict or not all(type(v) is str for v in metadata.values()):
        raise not_a_model_file(path, "its __metadata__ is not a JSON object of strings")
    entries = {name: _entry(name, entry, path) for name, entry in header.items()}
    position = 0
    for name, (_, _, begin, end) in sorted(entries.items(), key=lambda item: item[1][2:]):
        if begin != position:
            raise not_a_model_file(
                path,
                f"tensor {name!r} starts at byte {begin}, but the previous tensor ends at "
                f"{position} (tensors must follow each other without gaps or overlaps)",
            )
        position = end
    if position > max_bytes:
        raise ValueError(
            f"{path!r} declares {position} bytes of tensors, more than the limit of {max_bytes} "
            f"bytes; pass a larger max_bytes to load a file this large that you trust."
        )
    if start + position != file_size:
        raise not_a_model_file(
            path,
            f"its header declares {start + position} bytes in all, but the file has {file_size}",
        )
    return metadata, Tensors(handle, path, start, entries)


class Tensors(Mapping):
    """The declared tensors of an open file, each read (once per access) by its offsets."""

    def __init__(self, handle: IO[bytes], path: str, start: int, entries: dict) -> None:
        self._handle, self._path, self._start, self._entries = handle, path, start, entries

    def __getitem__(self, name: str) -> np.ndarray:
        dtype, shape, begin, end = self._entries[name]
        buffer = bytearray(end - begin)
        self._handle.seek(self._start + begin)
        if self._handle.readinto(buffer) != len(buffer):
            raise not_a_model_file(self._path, f"it ended inside tensor {name!r}")
        return np.frombuffer(buffer, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


def digest(text: str, arrays: Mapping[str, np.ndarray]) -> str:
    """SHA-256 of the JSON document and every tensor (name, dtype, shape, bytes), by name.

    Stored beside the document, it makes any accidental change of the file
    (a flipped bit, a truncated copy, two tensors' offsets swapped) a refusal
    rather than a model that predicts differently.  It is a checksum, not a
    signature: the structural checks are what make a hostile file safe.
    """
    hasher = hashlib.sha256()
    for name in sorted(arrays):
        value = np.ascontiguousarray(arrays[name])
        hasher.update(f"{name}\0{value.dtype.str}\0{list(value.shape)}\0".encode())
        hasher.update(value.tobytes())
    hasher.update(text.encode())
    return hasher.hexdigest()
