"""One object for the settings of a training request, checked once.

The form, the command line, the demo gallery and the tests all build a
:class:`TrainingSettings`; :meth:`TrainingSettings.checked` enforces what can be
checked without the file (a seed in range), and the data kind checks the rest
against the dataset (a kind of model it offers, the target exists, the text
column is text, the classifier's knobs are in range).

Django-free: it raises :class:`limelight.errors.InputError` with a sentence.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from limelight.errors import InputError
from limelight.text.tokens import WORD_PATTERN

# What a person may call a task, and the name stored on the model.
TASK_WORDS = {"amount": "regression", "category": "classification", "regression": "regression",
              "classification": "classification"}  # fmt: skip
# The seed is stored in a 32-bit database column; scikit-learn takes 0 to 2**32 - 1.
SEED_RANGE = (0, 2**31 - 1)


@dataclass(frozen=True)
class TrainingSettings:
    """Everything a training request can set besides the dataset."""

    target: str = ""  # the column to predict; images always predict their folder
    classifier: str = "random_forest"
    params: dict[str, Any] = field(default_factory=dict)  # the classifier's (or the kind's) knobs
    text_column: str = ""  # set: a text model reading this column
    random_state: int = 0
    left_out: tuple[str, ...] = ()  # columns the person chose to leave out (say, one that gives the answer away)
    task: str = ""  # "regression" (an amount) or "classification" (a category); "": decided from the target

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    def replace(self, **changes: Any) -> TrainingSettings:
        return dataclasses.replace(self, **changes)

    def checked(self) -> TrainingSettings:
        seed = self.random_state
        if isinstance(seed, bool) or not isinstance(seed, int) or not SEED_RANGE[0] <= seed <= SEED_RANGE[1]:
            raise InputError(f"The random seed must be a whole number from {SEED_RANGE[0]} to {SEED_RANGE[1]:,}.")
        if self.params is not None and not isinstance(self.params, dict):
            raise InputError("The model's settings must be given by name.")
        task = TASK_WORDS.get(self.task or "", self.task or "")
        if task not in ("", *TASK_WORDS.values()):
            raise InputError(f"“{self.task}” is not a task: predict an amount or a category.")
        if isinstance(self.left_out, str) or not all(isinstance(name, str) for name in self.left_out or ()):
            raise InputError("The columns to leave out must be given by name.")
        return self.replace(
            params=dict(self.params or {}),
            text_column=self.text_column or "",
            left_out=tuple(self.left_out or ()),
            task=task,
        )

    def leaving_out(self, fields: dict[str, Any]) -> dict[str, Any]:
        """A kind's checked training fields without the columns in :attr:`left_out`, said in a note."""
        if not self.left_out:
            return fields
        if self.text_column:  # a text model leaves out words, taken out of every text it reads
            words = [word.lower() for word in self.left_out]
            if not all(re.fullmatch(WORD_PATTERN, word) for word in words):
                raise InputError("Only single words can be left out of the texts.")
            shown = ", ".join(f"“{word}”" for word in words)
            verb = "are" if len(words) > 1 else "is"
            note = f"The word{'s' if len(words) > 1 else ''} {shown} {verb} left out of every text, as you asked."
            return {**fields, "notes": [*fields.get("notes", ()), note], "left_out": words}
        features = list(fields.get("features", ()))
        unused = [name for name in self.left_out if name not in features]
        if unused:
            raise InputError(f"The model does not use “{unused[0]}”, so it cannot be left out.")
        kept = [name for name in features if name not in self.left_out]
        if not kept:
            raise InputError("Leaving that out would leave the model nothing to learn from.")
        shown = ", ".join(f"“{name}”" for name in self.left_out)
        note = f"{shown} {'is' if len(self.left_out) == 1 else 'are'} left out, as you asked."
        return {
            **fields,
            "features": kept,
            "numeric": [name for name in fields.get("numeric", ()) if name in kept],
            "categorical": [name for name in fields.get("categorical", ()) if name in kept],
            "notes": [*fields.get("notes", ()), note],
            "left_out": list(self.left_out),
        }
