"""A generated review dataset whose labels follow a known rule (offline, deterministic).

Each review is a few sentences of neutral filler about films and restaurants
(visits, companions, dishes, running times: no opinion words, never "not")
plus one or three *deciding phrases*, each in a sentence such as
"The food was wonderful." A deciding phrase is one of:

* a positive word (:data:`POSITIVE_WORDS`, e.g. "wonderful"): counts +1;
* a negative word (:data:`NEGATIVE_WORDS`, e.g. "terrible"): counts −1;
* "not" + a positive word ("not great"): counts −1;
* "not" + a negative word ("not terrible"): counts +1.

**The rule:** the review is ``positive`` when the counts add up to more than
zero, else ``negative``. An odd number of ±1 phrases never adds up to zero, so
every review has a clear answer. "not" on its own decides nothing (it flips
the word after it), so a model that learned the rule should blame "not great"
on both words together. A review has 15–60 words.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["NEGATIVE_WORDS", "POSITIVE_WORDS", "TEXT_DEMO_ROWS", "text_demo_csv_bytes", "text_demo_frame"]

POSITIVE_WORDS: tuple[str, ...] = ("wonderful", "delightful", "great", "excellent", "superb", "charming")
NEGATIVE_WORDS: tuple[str, ...] = ("terrible", "awful", "boring", "dreadful", "bland", "disappointing")
# The two negated phrases, by the polarity of the word negated.
NEGATED: dict[bool, str] = {True: "not great", False: "not terrible"}
TEXT_DEMO_ROWS = 600
_MIN_WORDS = 15
_MAX_WORDS = 60
_MAX_FILLER_WORDS = 10
_ONE_PHRASE = 0.8
_NEGATION = 0.3

_SUBJECTS = (
    "the film",
    "the movie",
    "the plot",
    "the soundtrack",
    "the ending",
    "the acting",
    "the food",
    "the service",
    "the dessert",
    "the menu",
    "the evening",
    "the restaurant",
)
_VERBS = ("was", "seemed", "felt", "looked")
_DAYS = ("monday", "friday", "saturday", "sunday", "a rainy evening", "a holiday")
_COMPANIONS = ("my sister", "two friends", "my parents", "a colleague", "the whole family", "my partner")
_DISHES = ("the soup", "a pizza", "the fish", "a salad", "the noodles", "a steak")
_DRINKS = ("a glass of water", "some tea", "a lemonade", "a coffee")
_PLACES = ("near the station", "in the old town", "by the river", "downtown", "on the high street")
_FILLER = (
    "We went there on {day} with {companion}.",
    "I ordered {dish} and {drink}.",
    "It is {place}, next to a bakery.",
    "The screening started at {hour} and lasted {minutes} minutes.",
    "We sat near the window.",
    "I read about it in a magazine last week.",
    "The tickets cost {price} dollars each.",
    "My friend had {dish} and I had {dish2}.",
    "The director also made a film about trains.",
    "Parking was easy {place}.",
    "We booked a table for {people} people.",
    "The story is set in a small town by the sea.",
    "It was our first visit.",
    "The waiter brought {drink} for everyone.",
)


def text_demo_frame(seed: int = 0, rows: int = TEXT_DEMO_ROWS) -> pd.DataFrame:
    """Columns ``review`` (text) and ``sentiment`` ("positive" / "negative"), labelled by the rule above."""
    rng = np.random.default_rng(seed)
    reviews, labels = [], []
    for _ in range(rows):
        review, score = _review(rng)
        reviews.append(review)
        labels.append("positive" if score > 0 else "negative")
    return pd.DataFrame({"review": reviews, "sentiment": labels})


def text_demo_csv_bytes(seed: int = 0) -> bytes:
    """The demo as UTF-8 CSV bytes, as a user would upload it."""
    return text_demo_frame(seed).to_csv(index=False).encode("utf-8")


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def _deciding_sentence(rng: np.random.Generator, *, negation: float) -> tuple[str, int]:
    positive = bool(rng.integers(2))
    if rng.random() < negation:
        phrase, score = NEGATED[positive], -1 if positive else 1
    else:
        phrase, score = _pick(rng, POSITIVE_WORDS if positive else NEGATIVE_WORDS), 1 if positive else -1
    subject = _pick(rng, _SUBJECTS)
    return f"{subject.capitalize()} {_pick(rng, _VERBS)} {phrase}.", score


def _filler_sentence(rng: np.random.Generator) -> str:
    template = _pick(rng, _FILLER)
    return template.format(
        day=_pick(rng, _DAYS),
        companion=_pick(rng, _COMPANIONS),
        dish=_pick(rng, _DISHES),
        dish2=_pick(rng, _DISHES),
        drink=_pick(rng, _DRINKS),
        place=_pick(rng, _PLACES),
        hour=_pick(rng, ("six", "seven", "eight", "nine")),
        minutes=_pick(rng, ("ninety", "a hundred", "a hundred and twenty")),
        price=_pick(rng, ("eight", "ten", "twelve")),
        people=_pick(rng, ("two", "four", "six")),
    )


def _review(rng: np.random.Generator) -> tuple[str, int]:
    n_deciding = 1 if rng.random() < _ONE_PHRASE else 3
    # Negations only in one-phrase reviews: "not great" beside two other
    # phrases is a lot to ask of a few hundred training texts.
    negation = _NEGATION if n_deciding == 1 else 0.0
    sentences, score = [], 0
    for _ in range(n_deciding):
        sentence, value = _deciding_sentence(rng, negation=negation)
        sentences.append(sentence)
        score += value
    target = int(rng.integers(_MIN_WORDS, _MAX_WORDS - _MAX_FILLER_WORDS + 1))
    count = sum(len(sentence.split()) for sentence in sentences)
    while count < target:
        filler = _filler_sentence(rng)
        sentences.insert(int(rng.integers(len(sentences) + 1)), filler)
        count += len(filler.split())
    return " ".join(sentences), score
