"""The registry of data kinds: tables, texts, images.

Each kind declares itself once, in its own module (see :class:`DataKind`);
views, services, forms, templates and the CLI look it up here instead of
testing the kind themselves. Adding a kind is one module and one line in
:data:`KINDS`.

A dataset's kind is the shape of its file (a table or a ZIP of images); a
model's kind is what it reads, which for a table may be one of its text
columns: the same file can hold a table model and a text model.
"""

from __future__ import annotations

from typing import Any

from . import image, tabular, text
from .base import DataKind, KindWords

__all__ = ["KINDS", "DataKind", "KindWords", "kind_for_upload", "kind_of", "register", "training_kind"]

KINDS: dict[str, DataKind] = {}


def register(kind: DataKind) -> DataKind:
    """Make a kind known by its name (the value stored on datasets and models)."""
    KINDS[kind.name] = kind
    return kind


for _module in (tabular, text, image):
    register(_module.KIND)


def kind_of(thing: Any) -> DataKind:
    """The kind of a model, a dataset, or a kind's name."""
    name = thing if isinstance(thing, str) else thing.kind
    try:
        return KINDS[name]
    except KeyError:
        raise LookupError(f"Unknown kind of data “{name}”.") from None


def kind_for_upload(head: bytes) -> DataKind:
    """The kind of an uploaded file by its first bytes (the name can lie either way); tables otherwise."""
    for kind in KINDS.values():
        if kind.read_dataset is not None and any(head.startswith(sig) for sig in kind.upload_signatures):
            return kind
    return KINDS["tabular"]


def training_kind(dataset: Any, text_column: str = "") -> DataKind:
    """The kind of a model about to be trained: its dataset's, or text when a text column is chosen."""
    return KINDS["text"] if text_column else kind_of(dataset)


def choices() -> list[tuple[str, str]]:
    return [(kind.name, kind.label) for kind in KINDS.values()]
