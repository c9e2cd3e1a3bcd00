"""Each lesson's data, generated offline from a seed: the two training files, the showcase and the clean test.

* ``leaky_file`` / ``clean_file``: what is uploaded for the model trained with the leak and the
  one trained without (a ZIP of pictures or a CSV, through the same path as a user's file);
* ``showcase``: the rows (0-based, in the order the app reads the file: a ZIP in sorted member
  order) of a few cases both files share, explained by both models; ``showcase_leaks`` is the known
  answer for each, what an explanation leaning on the leak must point at (the background's mask,
  the signature word, the post-outcome column);
* ``test_inputs`` / ``test_truths``: the hidden clean test set, as the fitted pipelines read it
  (pictures, texts or a frame), drawn without the leak.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["LessonMaterial", "lesson_material"]


# eq=False: the fields hold arrays, which have no single truth value.
@dataclass(frozen=True, eq=False)
class LessonMaterial:
    leaky_file: bytes
    clean_file: bytes
    filename: str
    showcase: tuple[int, ...]
    showcase_leaks: tuple[Any, ...]
    test_inputs: Any
    test_truths: np.ndarray


def lesson_material(slug: str, seed: int = 0) -> LessonMaterial:
    """The lesson's files and clean test set; the same seed gives the same bytes. KeyError for an unknown slug."""
    builders = {"snow": _snow, "headers": _headers, "hospital": _hospital}
    return builders[slug](seed)


def held_out(labels) -> np.ndarray:
    """The positions the app's training holds out (limelight.fitting.holdout_split, seed 0, classes in sorted
    order): the showcase is drawn there, so neither model was fitted on the cases it is explained on."""
    from limelight.fitting import holdout_split

    names = sorted(set(labels))
    truths = np.array([names.index(label) for label in labels], dtype=np.int64)
    return np.sort(holdout_split(truths, random_state=0, too_few="{n_classes}")[1])


def _showcase_rows(labels, wanted: list[str]) -> tuple[int, ...]:
    """The first held-out positions of the classes wanted, in that order (each position used once)."""
    free = list(held_out(labels))
    rows = []
    for label in wanted:
        row = next(int(r) for r in free if labels[r] == label)
        free.remove(row)
        rows.append(row)
    return tuple(rows)


def _snow(seed: int) -> LessonMaterial:
    from .snow import snow_archive_bytes, snow_cases, snow_pictures

    leaky = snow_pictures(seed * 10 + 1, per_class=80, snow_given_wolf=0.97, snow_given_husky=0.03)
    clean = snow_pictures(seed * 10 + 2, per_class=80, snow_given_wolf=0.5, snow_given_husky=0.5)
    # A wolf on snow, a husky on grass, and the trap: a husky on snow.
    shown = snow_cases(np.random.default_rng(seed * 10 + 3), [("wolf", True), ("husky", False), ("husky", True)])
    test = snow_pictures(seed * 10 + 4, per_class=50, snow_given_wolf=0.5, snow_given_husky=0.5)
    # Both files name their pictures alike (class and number), so a row is the same place in both.
    names = sorted(leaky.member(i) for i in range(len(leaky.labels)))
    rows = _showcase_rows([name.split("/")[0] for name in names], list(shown.labels))

    def archive(pictures) -> bytes:
        members = {pictures.member(i): pictures.images[i] for i in range(len(pictures.labels))}
        for row, image in zip(rows, shown.images, strict=True):
            members[names[row]] = image
        return snow_archive_bytes(members)

    return LessonMaterial(
        leaky_file=archive(leaky),
        clean_file=archive(clean),
        filename="wolves_and_huskies.zip",
        showcase=rows,
        showcase_leaks=tuple(shown.backgrounds),
        test_inputs=list(test.images),
        test_truths=np.asarray(test.labels),
    )


def _headers(seed: int) -> LessonMaterial:
    from .headers import SIGNATURE, message, messages_frame

    leaky = messages_frame(seed * 10 + 1, per_class=150, signature_given_space=0.98, signature_given_medicine=0.02)
    clean = messages_frame(seed * 10 + 2, per_class=150, signature_given_space=0.25, signature_given_medicine=0.25)
    test = messages_frame(seed * 10 + 4, per_class=100, signature_given_space=0.25, signature_given_medicine=0.25)
    # A space message through Hermes and a medicine one through another server, each with two words of its
    # topic; and the trap: an everyday medicine message (one word of its topic) through Hermes.
    shown = [("space", SIGNATURE, 2), ("medicine", "Iris", 2), ("medicine", SIGNATURE, 1)]
    texts = [
        message(np.random.default_rng(seed * 10 + 5 + i), topic, server, topic_words=words)
        for i, (topic, server, words) in enumerate(shown)
    ]
    # Both files have their topics in the same order, so a row is the same place in both.
    rows = _showcase_rows(list(leaky["topic"]), [topic for topic, _, _ in shown])
    for frame in (leaky, clean):
        frame.loc[list(rows), "message"] = texts
    return LessonMaterial(
        leaky_file=_csv(leaky),
        clean_file=_csv(clean),
        filename="forum_messages.csv",
        showcase=rows,
        showcase_leaks=(SIGNATURE.lower(), None, SIGNATURE.lower()),
        test_inputs=list(test["message"]),
        test_truths=test["topic"].to_numpy(),
    )


def _hospital(seed: int) -> LessonMaterial:
    from .hospital import LEAK, TARGET, stays_frame

    stays = stays_frame(seed * 10 + 1, rows=600, leak=True)
    test = stays_frame(seed * 10 + 4, rows=400, leak=False)
    test[LEAK] = np.nan  # not written yet on the day of admission: missing, as an empty cell reads
    rows = _showcase_rows(list(stays[TARGET]), ["yes", "no", "yes"])
    return LessonMaterial(
        leaky_file=_csv(stays),
        clean_file=_csv(stays.drop(columns=LEAK)),
        filename="hospital_stays.csv",
        showcase=rows,
        showcase_leaks=(LEAK,) * len(rows),
        test_inputs=test,
        test_truths=test[TARGET].to_numpy(),
    )


def _csv(frame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")
