"""One trust verdict per result: the checks combined into trust / look closer / do not trust.

Plain code, no Django: :mod:`explanations.verdicts` gathers the signals from a result, its
model and its trust checks; :func:`trust_verdict` is the one rule that weighs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["trust", "look_closer", "do_not_trust"]
HEADLINES: dict[str, str] = {"trust": "Trust", "look_closer": "Look closer", "do_not_trust": "Do not trust"}
_SEVERITY = {"trust": 0, "look_closer": 1, "do_not_trust": 2}

GOOD_FIT = 0.7  # the local fit (R²) the fit sentence calls "imitates well" (presenters.fit_in_words)
POOR_FIT = 0.4  # below it, "do not lean on these weights"
STEADY = 0.95  # reasons' agreement over repeated runs that counts as "stayed the same"
UNSTEADY = 0.7  # below it, "the top reasons changed a lot"


@dataclass(frozen=True)
class TrustSignals:
    """What is known about one result; None (or empty) where a check did not run or is not shown.

    ``baseline_class``: what always guessing says; ``model_no_better``: the model does not beat it
    (classifiers.holdout.no_better_than_baseline). ``correct``: the model's prediction against the
    file's value. ``explained_class_recall``: set when the class explained is one the model finds
    in fewer than half of its held-out cases. ``agreement``: the main reasons' agreement over
    repeated runs (0 to 1); ``unsure``: reasons whose direction is not sure; ``sign_flips``:
    reasons that change direction with the neighbourhood's size. ``deletion_better`` /
    ``insertion_better``: hiding / putting back the top reasons moves the probability faster than
    a random order. ``rule_meets_threshold``: an Anchors rule's lower bound reaches its threshold.
    """

    explained: str
    baseline_class: str = ""
    model_no_better: bool = False
    few_test_rows: bool = False
    correct: bool | None = None
    actual: str | None = None
    explained_class_recall: float | None = None
    fit_score: float | None = None
    agreement: float | None = None
    unsure: tuple[str, ...] = ()
    sign_flips: tuple[str, ...] = ()
    deletion_better: bool | None = None
    insertion_better: bool | None = None
    rule_meets_threshold: bool | None = None
    checks_pending: bool = False


@dataclass(frozen=True)
class Verdict:
    level: Level
    reason: str  # the deciding reason and, when checks disagree, which wins and why
    problems: tuple[str, ...]  # every failed check, worst first
    good_signs: tuple[str, ...]

    @property
    def headline(self) -> str:
        return HEADLINES[self.level]

    @property
    def sentence(self) -> str:
        """'Do not trust: the model does no better than always guessing “no”. …'"""
        return f"{self.headline}: {self.reason}"

    def to_dict(self) -> dict[str, object]:
        return {"level": self.level, "sentence": self.sentence, "problems": list(self.problems)}


def trust_verdict(s: TrustSignals) -> Verdict:
    """Weigh every check of one result into one verdict.

    Every check that fails adds a problem at its level; the worst level wins, and the sentence
    gives the first problem at that level (the order below), then the passed checks it
    outweighs and why:

    ====  ==============================================================  =============
    #     check that fails                                                level
    ====  ==============================================================  =============
    1     the model does no better than always guessing the common class  do not trust
    2     the simple model copies the real one poorly here (R² < 0.4)     do not trust
    3     hiding and putting back its top reasons both do no better       do not trust
          than a random order
    4     an Anchors rule whose precision's lower bound misses its        look closer
          threshold
    5     the top reasons change between repeated runs (agreement < 0.7)  look closer
          or a reason's direction is not sure
    6     a reason changes direction with the neighbourhood's size        look closer
    7     only one of hiding / putting back beats a random order          look closer
    8     the simple model copies the real one only roughly (R² < 0.7)    look closer
    9     the model got this case wrong (the file says otherwise)         look closer
    10    the class explained is one the model finds in under half of     look closer
          its held-out cases
    11    the hold-out is too small to be sure of the model's score       look closer
    12    nothing about the explanation itself was checked                look closer
    —     none of these                                                   trust
    ====  ==============================================================  =============

    A model no better than its baseline outweighs any local check (an explanation that copies a
    guess faithfully still explains a guess); a local failure outweighs a good model (a good
    model can be explained badly around one case); a wrong prediction only asks to look closer,
    because the explanation may show faithfully why the model erred.
    """
    problems: list[tuple[Level, str, str]] = []  # (level, problem, why it outweighs the good signs)
    good: list[str] = []

    def check(failed: bool, level: Level, problem: str, why: str = "") -> None:
        if failed:
            problems.append((level, problem, why))

    check(
        s.model_no_better,
        "do_not_trust",
        f"the model does no better than always guessing “{s.baseline_class}”",
        "however faithfully an explanation copies a guess, it still explains a guess",
    )
    if s.baseline_class and not s.model_no_better:
        good.append(f"the model beats always guessing “{s.baseline_class}”")
    if s.fit_score is not None:
        check(
            s.fit_score < POOR_FIT,
            "do_not_trust",
            f"the simple model copies the real one poorly around this case (R² {s.fit_score:.2f})",
            "its weights are not the model's reasons when it does not copy the model",
        )
        if s.fit_score >= GOOD_FIT:
            good.append(f"the simple model copies the real one closely here (R² {s.fit_score:.2f})")
    curves = (s.deletion_better, s.insertion_better)
    check(
        curves == (False, False),
        "do_not_trust",
        "hiding its top reasons moves the prediction no more than hiding others at random",
        "reasons the model does not use are not its reasons",
    )
    check(
        s.rule_meets_threshold is False,
        "look_closer",
        "the rule is not sure to hold as often as asked",
        "a rule only explains the cases it holds for",
    )
    if s.rule_meets_threshold:
        good.append("the rule holds as often as asked")
    unsteady = s.agreement is not None and s.agreement < UNSTEADY
    if unsteady or s.unsure:
        check(
            True,
            "look_closer",
            "the top reasons change when the explanation is repeated"
            if unsteady
            else f"the direction of {_names(s.unsure)} is not sure",
            "an unstable top reason may be luck of the draw",
        )
    if s.agreement is not None and s.agreement >= STEADY and not s.unsure:
        good.append("repeated runs name the same reasons")
    if s.sign_flips:
        check(
            True,
            "look_closer",
            f"{_names(s.sign_flips)} changes direction when “similar” is drawn wider or narrower",
            "a reason whose direction depends on a setting is not a sure reason",
        )
    check(
        (True in curves) and (False in curves),
        "look_closer",
        "only one of hiding and putting back its top reasons beats a random order",
    )
    if curves == (True, True):
        good.append("hiding its top reasons changes the prediction faster than a random order")
    if s.fit_score is not None:
        check(
            POOR_FIT <= s.fit_score < GOOD_FIT,
            "look_closer",
            f"the simple model copies the real one only roughly around this case (R² {s.fit_score:.2f})",
        )
    check(
        s.correct is False,
        "look_closer",
        f"the model got this case wrong: the file says “{s.actual}”",
        "it shows why the model erred, not what decides the true answer",
    )
    if s.correct:
        good.append("the model got this case right")
    check(
        s.explained_class_recall is not None,
        "look_closer",
        f"the model finds only {round(100 * (s.explained_class_recall or 0))}% of the “{s.explained}” "
        "cases it was tested on",
    )
    check(s.few_test_rows, "look_closer", "the model's score rests on too few held-out cases to be sure")
    checked = (s.fit_score, s.agreement, s.deletion_better, s.insertion_better, s.rule_meets_threshold)
    check(
        all(value is None for value in checked),
        "look_closer",
        "nothing about the explanation itself was checked" + (" yet" if s.checks_pending else ""),
    )

    if not problems:
        reason = f"{_join(good or ['no check found a problem'])}."
        if s.checks_pending:
            reason += " More checks are still running."
        return Verdict("trust", reason, (), tuple(good))
    # The table lists every "do not trust" check before the "look closer" ones, so the first
    # problem found is at the worst level and is the one the sentence leads with.
    ordered = sorted(problems, key=lambda item: -_SEVERITY[item[0]])  # a no-op unless the table is reordered
    level, first, why = ordered[0]
    reason = f"{first}."
    others = [problem for _, problem, _ in ordered[1:]]
    if others:
        reason += f" Also, {_join(others)}."
    if good:
        reason += f" That outweighs the good signs ({'; '.join(good)})"
        reason += f": {why}." if why else "."
    if s.checks_pending and level != "do_not_trust":
        reason += " More checks are still running."
    return Verdict(level, reason, tuple(problem for _, problem, _ in ordered), tuple(good))


def _names(conditions: tuple[str, ...]) -> str:
    shown = [f"“{c}”" for c in conditions[:2]]
    if len(conditions) > 2:
        shown.append(f"{len(conditions) - 2} more")
    return _join(shown)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
