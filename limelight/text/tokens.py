"""Offline tokenisation for text datasets: no model download, no language guessing.

A text is cut into tokens that cover the whole string: words and, between
them, the separators (spaces, punctuation, markup characters) as non-word
tokens. Joining the tokens gives back the original text exactly, so an
explanation can highlight the text span by span and a perturbation can drop
or mask words while keeping everything else as it was.

A word is a run of letters, digits or underscores in any script, with inner
apostrophes kept (``don't``, ``l’homme``): the regular expression
``\\w+(?:['’]\\w+)*``. The text classifiers' TF-IDF uses the same pattern, so
the words an explanation talks about are the words the model sees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

__all__ = ["WORD_PATTERN", "Token", "WordMasker", "tokenize", "words"]

WORD_PATTERN = r"\w+(?:['’]\w+)*"
_WORD = re.compile(WORD_PATTERN)


@dataclass(frozen=True, slots=True)
class Token:
    """``text == source[start:end]``; ``is_word`` is False for separators and punctuation."""

    text: str
    start: int
    end: int
    is_word: bool


def tokenize(text: str) -> list[Token]:
    """Words and the separators between them, in order, covering all of ``text``.

    ``"".join(t.text for t in tokenize(text)) == text`` for every string.
    Markup such as ``<b>`` is kept as data: ``<`` and ``>`` are separators,
    ``b`` is a word. Nothing is escaped or interpreted here.
    """
    tokens: list[Token] = []
    position = 0
    for match in _WORD.finditer(text):
        start, end = match.span()
        if start > position:
            tokens.append(Token(text[position:start], position, start, False))
        tokens.append(Token(match.group(), start, end, True))
        position = end
    if position < len(text):
        tokens.append(Token(text[position:], position, len(text), False))
    return tokens


def words(text: str) -> list[str]:
    """The words of ``text``, lowercased, in order (repeats kept)."""
    return [word.lower() for word in _WORD.findall(text)]


# Characters held in memory at once while building edited texts (4 bytes each).
_CHUNK_CHARS = 4_000_000


class WordMasker:
    """Builds many edited copies of one text at once, each distinct word kept or masked.

    The distinct words (lowercased, in order of first appearance) are
    :attr:`words`; every occurrence of a word is kept or masked together.
    A masked word becomes ``replacement`` (``""`` removes it, as LIME's
    bag-of-words mode; ``"UNK"`` as anchor-exp's UNK distribution);
    separators and punctuation always stay, so words are never glued together.

    The text is stored once as an array of code points in which every word is
    followed by a copy of the replacement. A copy of the text is then one
    boolean mask over that array (a word's own characters if kept, its
    replacement's if not), so thousands of copies take a few numpy operations
    and one string decode instead of a Python loop over tokens.
    """

    def __init__(self, text: str, *, replacement: str = "") -> None:
        self.text = text
        self.replacement = replacement
        self.tokens: tuple[Token, ...] = tuple(tokenize(text))
        vocabulary: dict[str, int] = {}
        token_feature = []
        for token in self.tokens:
            if token.is_word:
                token_feature.append(vocabulary.setdefault(token.text.lower(), len(vocabulary)))
            else:
                token_feature.append(-1)
        self.words: tuple[str, ...] = tuple(vocabulary)
        #: For each token, the index of its word in :attr:`words`, or -1 for a separator.
        self.token_feature = np.array(token_feature, dtype=np.intp)
        n_words = len(self.words)
        codes, features, is_replacement = [], [], []
        replacement_codes = _code_points(replacement)
        for token, feature in zip(self.tokens, token_feature, strict=True):
            token_codes = _code_points(token.text)
            codes.append(token_codes)
            # Separators point at an extra, always-kept column.
            features.append(np.full(len(token_codes), feature if feature >= 0 else n_words, dtype=np.intp))
            is_replacement.append(np.zeros(len(token_codes), dtype=bool))
            if feature >= 0 and len(replacement_codes):
                codes.append(replacement_codes)
                features.append(np.full(len(replacement_codes), feature, dtype=np.intp))
                is_replacement.append(np.ones(len(replacement_codes), dtype=bool))
        self._codes = np.concatenate(codes) if codes else np.empty(0, dtype=np.uint32)
        self._features = np.concatenate(features) if features else np.empty(0, dtype=np.intp)
        self._is_replacement = np.concatenate(is_replacement) if is_replacement else np.empty(0, dtype=bool)

    def build(self, keep: np.ndarray) -> list[str]:
        """One text per row of ``keep`` (``(n, len(words))`` booleans: True keeps the word)."""
        keep = np.asarray(keep, dtype=bool)
        if keep.ndim != 2 or keep.shape[1] != len(self.words):
            raise ValueError(f"keep must have shape (n, {len(self.words)})")
        width = len(self._codes)
        if width == 0:
            return [""] * len(keep)
        texts: list[str] = []
        rows_per_chunk = max(1, _CHUNK_CHARS // width)
        always = np.ones((min(rows_per_chunk, len(keep)), 1), dtype=bool)
        for begin in range(0, len(keep), rows_per_chunk):
            block = keep[begin : begin + rows_per_chunk]
            extended = np.concatenate([block, always[: len(block)]], axis=1)
            chars = extended[:, self._features] ^ self._is_replacement
            flat = np.broadcast_to(self._codes, chars.shape)[chars]
            # str() decodes straight from the array's buffer, without a bytes copy.
            joined = str(memoryview(flat), "utf-32-le", "surrogatepass")
            ends = np.cumsum(np.count_nonzero(chars, axis=1)).tolist()
            start = 0
            for end in ends:
                texts.append(joined[start:end])
                start = end
        return texts


def _code_points(text: str) -> np.ndarray:
    # surrogatepass: a lone surrogate (from a badly decoded upload) survives the round trip.
    return np.frombuffer(text.encode("utf-32-le", errors="surrogatepass"), dtype=np.uint32)
