"""An explanation's files (its charts and pictures) in the storage, under ``explanations/<id>/``,
and a whole-model report's (its charts and the standalone HTML), under its model's folder.

The names are what results keep (``result["pictures"]["overlay"]``, ``chart``), so pages
serve them through views that check access, and any machine reads them from the same
bucket; classifiers/artifacts.py does the reading and writing.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from classifiers.artifacts import StoredFile, local_copy, read_stored, stored, write_stored

from .models import Explanation, ModelReport


def explanation_file_name(explanation: Explanation, name: str) -> str:
    return f"explanations/{explanation.pk}/{name}"


def save_explanation_file(explanation: Explanation, name: str, content: bytes) -> str:
    """Store one of the explanation's files; return the name its result keeps."""
    return write_stored(explanation_file_name(explanation, name), content)


def save_report_file(report: ModelReport, name: str, content: bytes) -> str:
    """Store one of a whole-model report's files (a chart, the standalone HTML); return its name.

    Under the model's own folder (``models/<id>/reports/<report id>/``), so deleting the data
    set, which removes ``models/<id>``, removes its reports too.
    """
    return write_stored(f"models/{report.model_id}/reports/{report.pk}/{name}", content)


def stored_result_file(name: str) -> StoredFile | None:
    """A file a result names, if it is still stored (None for no name)."""
    return stored(name)


def read_label_map(name: str) -> np.ndarray:
    """The segment label map saved as a PNG (segments.png), as integers."""
    return np.asarray(Image.open(io.BytesIO(read_stored(name)))).astype(int)


def local_result_file(name: str) -> Path:
    """A path on this machine with the file (for the command line, which prints paths)."""
    return local_copy(name)
