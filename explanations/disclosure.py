"""What a shared result shows of the case beyond the explanation itself.

A share link always shows the prediction, the explanation and the values of the
columns the model used. Which case of the file it is (its row label), the case's
true value and the file's name are shown only when the person sharing ticks
them; nothing else of the file (columns the model did not use, such as names or
identifiers) and no database id is ever shown. The owner's own pages show
everything (``disclosure=None``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Disclosure:
    """The three things a share link may add, each off unless the person sharing ticks it."""

    row_label: bool = False  # which case of the file it is: "row 17", an image's name
    true_value: bool = False  # the case's value in the column the model predicts
    file_name: bool = False  # the uploaded file's name

    @classmethod
    def of(cls, link: Any) -> Disclosure:
        return cls(row_label=link.show_row_label, true_value=link.show_true_value, file_name=link.show_file_name)


NOTHING_EXTRA = Disclosure()


def shown_subject(explanation: Any, disclosure: Disclosure | None) -> str:
    """How the page names the case: "row 17" for the owner or when ticked, else "this case"."""
    if disclosure is None or disclosure.row_label or explanation.row_index is None:
        return explanation.subject
    return f"this {explanation.model.data_kind.words.case}"


def shown_values(explanation: Any, disclosure: Disclosure | None) -> dict[str, Any]:
    """The case's values as the page lists them: for a share link, the model's columns only
    (and the true value when ticked), never the rest of the file's row."""
    values = explanation.instance or {}
    if disclosure is None:
        return dict(values)
    model = explanation.model
    keep = [*model.features, *([model.target] if disclosure.true_value else [])]
    return {name: values[name] for name in keep if name in values}


def true_value(explanation: Any) -> Any:
    """The case's value in the predicted column, if it is a row of the file."""
    if explanation.row_index is None:
        return None
    return (explanation.instance or {}).get(explanation.model.target)


def left_out_columns(model: Any) -> list[str]:
    """The file's columns a share link never shows: neither used by the model nor the one it predicts."""
    used = {*model.features, model.target}
    return [column["name"] for column in model.dataset.columns or [] if column.get("name") not in used]
