"""Conditions as people read them: "glucose above 120", "age 28 to 37", "smoker is yes".

The explainers write conditions in the exact form that was tested ("glucose > 120.00",
"28.00 < age <= 37.00", "smoker = yes"); exports keep that text, so a condition can be checked
against the file. Pages show this reading of it. Plain code, no Django.
"""

from __future__ import annotations

import re

_NUMBER = r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|-?inf"
_BETWEEN = re.compile(rf"^(?P<low>{_NUMBER}) < (?P<name>.+) <= (?P<high>{_NUMBER})$")
_ABOVE = re.compile(rf"^(?P<name>.+) > (?P<value>{_NUMBER})$")
_AT_MOST = re.compile(rf"^(?P<name>.+) <= (?P<value>{_NUMBER})$")
_EQUALS = re.compile(r"^(?P<name>.+?) = (?P<value>.*)$")
_VALUE = re.compile(rf"^(?P<name>.+) \((?P<value>{_NUMBER})\)$")  # LIME on raw numbers: "age (45.00)"


def number_in_words(text: str) -> str:
    """'120.00' -> '120', '37.50' -> '37.5', '-0.25' -> '-0.25'; the text as it is when not a plain decimal."""
    if re.fullmatch(r"-?\d+\.\d+", text):
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def condition_in_words(condition: str) -> str:
    """One condition as a phrase; a condition of no known form is returned as it is."""
    text = str(condition)
    if match := _BETWEEN.match(text):
        return f"{match['name']} {number_in_words(match['low'])} to {number_in_words(match['high'])}"
    if match := _ABOVE.match(text):
        return f"{match['name']} above {number_in_words(match['value'])}"
    if match := _AT_MOST.match(text):
        return f"{match['name']} {number_in_words(match['value'])} or less"
    if match := _VALUE.match(text):
        return f"{match['name']} of {number_in_words(match['value'])}"
    if match := _EQUALS.match(text):
        return f"{match['name']} is {match['value']}"
    return text
