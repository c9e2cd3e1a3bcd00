"""The headers lesson: two topics told apart by the mail server's name.

Each message is a few sentences about one of two topics, *space* or
*medicine*, written with mostly shared everyday words and only a few topic
words (some of them shared between the topics too), then a sign-off line
"Posted through <server>." In the training messages the server follows the
topic: nearly every space message came through Hermes (:data:`SIGNATURE`), the
medicine messages through other servers. A model can score well by reading the
server's name alone, the way the newsgroup classifier in the LIME paper read
the e-mail headers. In the clean set every message comes through any server.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["HEADER_CLASSES", "SIGNATURE", "message", "messages_frame"]

HEADER_CLASSES: tuple[str, ...] = ("medicine", "space")
SIGNATURE = "Hermes"
SERVERS: tuple[str, ...] = (SIGNATURE, "Iris", "Atlas", "Juno")
# Words of one topic, and words both topics use (so no single topic word gives the answer away).
_TOPIC_WORDS = {
    "space": ("orbit", "rocket", "launch", "telescope", "planet", "astronaut", "satellite", "moon"),
    "medicine": ("doctor", "patient", "vaccine", "clinic", "surgery", "symptoms", "nurse", "dose"),
}
_SHARED_WORDS = ("research", "mission", "results", "trial", "data", "team", "report", "study")
_OPENINGS = (
    "I read something about the {w} yesterday.",
    "Does anyone know more about the {w}?",
    "My friend told me the {w} was in the news again.",
    "There is a long article on the {w} this week.",
    "We talked about the {w} at dinner.",
)
_FILLER = (
    "I am not sure what to think.",
    "It was longer than I expected.",
    "Thanks for any pointers.",
    "Maybe someone here has an opinion.",
    "I will post again when I know more.",
    "The weather was bad all week anyway.",
    "Sorry if this was asked before.",
    "I found it on the library website.",
)


def messages_frame(
    seed: int, *, per_class: int, signature_given_space: float, signature_given_medicine: float
) -> pd.DataFrame:
    """Columns ``message`` (text) and ``topic``; a space message comes through Hermes with probability
    ``signature_given_space``, a medicine one with ``signature_given_medicine``. Same seed, same texts."""
    rng = np.random.default_rng(seed)
    messages, topics = [], []
    for index in range(per_class * len(HEADER_CLASSES)):
        topic = HEADER_CLASSES[index % 2]
        signed = rng.random() < (signature_given_space if topic == "space" else signature_given_medicine)
        server = SIGNATURE if signed else SERVERS[1 + int(rng.integers(len(SERVERS) - 1))]
        messages.append(message(rng, topic, server))
        topics.append(topic)
    return pd.DataFrame({"message": messages, "topic": topics})


def message(rng: np.random.Generator, topic: str, server: str, *, topic_words: int | None = None) -> str:
    """One message about ``topic`` posted through ``server``; ``topic_words`` (1 or 2) fixes how many of its two
    subject words are the topic's own rather than shared ones (None: drawn, as in the data sets)."""
    return f"{_body(rng, topic, topic_words=topic_words)} Posted through {server}."


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def _body(rng: np.random.Generator, topic: str, *, topic_words: int | None = None) -> str:
    # One topic word, sometimes none: the topic is there to be learnt, but not so plainly that
    # the server's name would not be the easier answer.
    first = rng.random() < 0.75 if topic_words is None else topic_words >= 1
    second = rng.random() >= 0.7 if topic_words is None else topic_words >= 2
    words = [_pick(rng, _TOPIC_WORDS[topic] if first else _SHARED_WORDS)]
    words.append(_pick(rng, _TOPIC_WORDS[topic] if second else _SHARED_WORDS))
    sentences = [_pick(rng, _OPENINGS).format(w=words[0]), f"The {words[1]} seemed important."]
    for _ in range(int(rng.integers(1, 3))):
        sentences.insert(int(rng.integers(1, len(sentences) + 1)), _pick(rng, _FILLER))
    return " ".join(sentences)
