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
# An Anchors rule met by fewer rows of the file than this describes the case rather than explains
# it: with 1-4 rows a "rule" can be the row's own values written out, and nobody can check it by
# filtering the file (the Wilson bound of even 4 of 4 rows is only 51%).
FEW_FILE_ROWS = 5
# A rule of this many conditions or more that covers under this share of the file's rows is the
# same: each condition cuts the rows down further, until the rule fits this case and almost no other
# (biopsy row 1: 8 conditions, 0.14% of the rows). A short rule on a small share of a big file is
# still a real group of cases, so the share alone does not count against it.
MANY_CONDITIONS = 6
SLIVER = 0.01
# A reason whose average weight is under this share of the largest one barely moves the
# prediction: a reader does not lean on it, so its direction wavering over repeated runs says
# nothing about the explanation (0.037 beside 0.634 on the loan demo made a plainly right
# explanation "Look closer").
MATTERING_SHARE = 0.1


def unsure_reasons(features: list[dict]) -> list[str]:
    """The conditions of the reasons that matter (:data:`MATTERING_SHARE`) whose direction is not sure.

    ``features``: a stability check's reasons (``condition``, ``mean``, ``sign_uncertain``).
    """
    largest = max((abs(f["mean"]) for f in features), default=0.0)
    return [
        f["condition"]
        for f in features
        if f.get("sign_uncertain") and largest > 0 and abs(f["mean"]) >= MATTERING_SHARE * largest
    ]


@dataclass(frozen=True)
class TrustSignals:
    """What is known about one result; None (or empty) where a check did not run or is not shown.

    ``baseline_class``: what always guessing says; ``model_no_better``: the model does not beat it
    (limelight.holdout.no_better_than_baseline). ``correct``: the model's prediction against the
    file's value. ``explained_class_recall``: set when the class explained is one the model finds
    in fewer than half of its held-out cases. ``agreement``: the main reasons' agreement over
    repeated runs (0 to 1); ``unsure``: reasons whose direction is not sure; ``sign_flips``:
    reasons that change direction with the neighbourhood's size. ``deletion_better`` /
    ``insertion_better``: hiding / putting back the top reasons moves the probability faster than
    a random order; ``*_saturated``: the model is so sure that no order of hiding moves it, so
    that curve cannot tell. ``rule_meets_threshold``: an Anchors rule's lower bound reaches its
    threshold; ``rule_conditions`` / ``rule_file_rows`` / ``rule_coverage``: its conditions, the
    rows of the file that meet it and their share; ``rule_precision`` on ``rule_support`` unseen
    cases. ``shap_sum``: KernelSHAP's (average probability, this case's probability), which its
    values add up between by construction. ``leaks``: what the result leans on that alone gives
    ``target`` away (limelight.leaks: a column, a word, or an image region).
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
    rule_conditions: tuple[str, ...] = ()
    rule_file_rows: int | None = None
    rule_coverage: float | None = None
    rule_precision: float | None = None
    rule_support: int | None = None
    deletion_saturated: bool = False
    insertion_saturated: bool = False
    shap_sum: tuple[float, float] | None = None
    checks_pending: bool = False
    target: str = ""
    leaks: tuple[str, ...] = ()
    # What would change it: whether a change was found (each one checked by the model), and the
    # overlap of the columns changed when the search is repeated with other seeds (0 to 1).
    counterfactuals_found: bool | None = None
    counterfactual_agreement: float | None = None


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
    4a    an Anchors rule met by under FEW_FILE_ROWS rows of the file,    look closer
          or of MANY_CONDITIONS+ conditions covering under SLIVER of them
          (it describes this case), or resting on "is missing"
    5     the top reasons change between repeated runs (agreement < 0.7)  look closer
          or a reason's direction is not sure
    6     a reason changes direction with the neighbourhood's size        look closer
    7     only one of hiding / putting back beats a random order (or     look closer
          the one that can tell does not: a saturated curve cannot tell)
    8     the simple model copies the real one only roughly (R² < 0.7)    look closer
    9     the model got this case wrong (the file says otherwise)         look closer
    10    the class explained is one the model finds in under half of     look closer
          its held-out cases
    11    the hold-out is too small to be sure of the model's score       look closer
    11a   what would change it: no change found, or the columns changed   look closer
          differ when the search is repeated (overlap < 0.7)
    12    nothing about the explanation itself was checked (KernelSHAP:   look closer
          says which checks do not run for it)
    13    it leans on a feature that alone gives the target away (a      look closer
          leak, limelight.leaks): right, perhaps, for the wrong reason
    —     none of these                                                   trust
    ====  ==============================================================  =============

    A model no better than its baseline outweighs any local check (an explanation that copies a
    guess faithfully still explains a guess); a local failure outweighs a good model (a good
    model can be explained badly around one case); a wrong prediction only asks to look closer,
    because the explanation may show faithfully why the model erred. A curve the model is too
    sure to move (saturated) is "cannot tell": neither a failure nor a good sign, and said so.
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
    # A saturated curve cannot tell: it counts as not run, not as "no better than random".
    curves = (
        None if s.deletion_saturated else s.deletion_better,
        None if s.insertion_saturated else s.insertion_better,
    )
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
    narrow = _narrow_rule(s)
    check(
        narrow is not None,
        "look_closer",
        f"{narrow}: it is true of this row and almost no other, so it describes this case rather than explains it",
        "a rule that fits one case does not say what the model looks at in others",
    )
    missing = next((c for c in s.rule_conditions if c.endswith(" is missing")), None)
    check(
        missing is not None,
        "look_closer",
        f"the rule rests on “{missing}”: it says how the model treats a blank, not what about this case decides it",
    )
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
    check(
        (None in curves) and (False in curves) and (s.deletion_saturated or s.insertion_saturated),
        "look_closer",
        f"{'hiding' if curves[0] is False else 'putting back'} its top reasons moves the prediction "
        "no more than a random order",
    )
    if True in curves and False not in curves:
        good.append(
            "hiding its top reasons changes the prediction faster than a random order"
            if curves[0]
            else "putting back its top reasons changes the prediction faster than a random order"
        )
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
    check(
        s.counterfactuals_found is False,
        "look_closer",
        "no change was found that gives the answer asked for, which does not prove that none exists",
    )
    if s.counterfactuals_found:
        good.append("every change shown was checked by giving it to the model")
    if s.counterfactual_agreement is not None:
        check(
            s.counterfactual_agreement < UNSTEADY,
            "look_closer",
            "the columns that change differ when the search is repeated with other seeds",
            "a way found by chance may not be the one that matters",
        )
        if s.counterfactual_agreement >= STEADY:
            good.append("repeating the search changes the same columns")
    if s.shap_sum is not None:
        # KernelSHAP's one guarantee is its sum; the checks of the explanation run for LIME only.
        good.append(
            "its values add up to the prediction by construction "
            f"(from the average {s.shap_sum[0]:.2f} to {s.shap_sum[1]:.2f} for this case)"
        )
    checked = (s.fit_score, s.agreement, *curves, s.rule_meets_threshold, s.counterfactuals_found)
    check(
        all(value is None for value in checked),
        "look_closer",
        "KernelSHAP's values were not checked by repeating them, by hiding the top ones or by a local fit "
        "(those checks run for LIME)"
        if s.shap_sum is not None
        else "nothing about the explanation itself was checked" + (" yet" if s.checks_pending else ""),
    )
    # Last: the problems above are about this explanation; this one is about the data, so it leads
    # only when nothing else is wrong (and then keeps "Trust" away).
    if s.leaks:
        check(
            True,
            "look_closer",
            f"it leans on {_names(s.leaks)}, {'which' if len(s.leaks) == 1 else 'each of which'} alone gives "
            f"“{s.target}” away: unless it is known before the outcome, the model is right for the wrong reason",
            "a reason that would not be there before the outcome is not a reason to trust",
        )
    cannot_tell = (
        " The hiding check cannot tell here: the model is so sure that hiding its top reasons one at a time "
        "does not move it."
        if s.deletion_saturated
        else ""
    )

    if not problems:
        reason = f"{_join(good or ['no check found a problem'])}.{cannot_tell}"
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
    reason += cannot_tell
    if s.checks_pending and level != "do_not_trust":
        reason += " More checks are still running."
    return Verdict(level, reason, tuple(problem for _, problem, _ in ordered), tuple(good))


def _narrow_rule(s: TrustSignals) -> str | None:
    """How an Anchors rule fits this case and almost no other, or None when it does not."""
    if s.rule_file_rows is not None and s.rule_file_rows < FEW_FILE_ROWS:
        rows = "no row" if s.rule_file_rows == 0 else f"only {_rows(s.rule_file_rows)}"
        return f"the rule holds for {rows} of the file"
    if s.rule_coverage is not None and s.rule_coverage < SLIVER and len(s.rule_conditions) >= MANY_CONDITIONS:
        return (
            f"the rule needs {len(s.rule_conditions)} conditions and covers only "
            f"{100 * s.rule_coverage:.2g}% of the file's rows"
        )
    return None


def which_to_believe(lime: TrustSignals, rule: TrustSignals) -> str:
    """For one case explained both by LIME and by an Anchors rule: which to believe, and why.

    A rule that fits only this case defers to LIME's weights (even at the same level: a reader
    would otherwise take the rule as the model's reasons); a poor LIME fit defers to a rule that
    holds widely; otherwise the better verdict wins. Empty when the two verdicts agree.
    """
    lime_verdict, rule_verdict = trust_verdict(lime), trust_verdict(rule)
    narrow = _narrow_rule(rule)
    if narrow is not None:
        described = f"{narrow}, so it describes this case rather than explains it"
        if lime_verdict.level == "do_not_trust":
            return f"Neither explains this case well: {described}, and LIME's {lime_verdict.problems[0]}."
        return f"{described[0].upper()}{described[1:]}; LIME's weights are the better guide here."
    if lime_verdict.level == rule_verdict.level:
        return ""
    poor_fit = lime.fit_score is not None and lime.fit_score < POOR_FIT
    if poor_fit and rule.rule_meets_threshold and rule.rule_precision is not None and rule.rule_support:
        return (
            f"LIME's local fit is poor (R² {lime.fit_score:.2f}) while the rule holds for "
            f"{round(100 * rule.rule_precision)}% of {rule.rule_support:,} cases it was checked on: believe the rule."
        )
    better, worse = (
        ("LIME's weights", rule_verdict)
        if _SEVERITY[lime_verdict.level] < _SEVERITY[rule_verdict.level]
        else ("the rule", lime_verdict)
    )
    other = "the rule" if better == "LIME's weights" else "LIME's weights"
    return f"Believe {better} here: for {other}, {worse.problems[0]}."


def _rows(n: int) -> str:
    return f"{n:,} row" if n == 1 else f"{n:,} rows"


def _names(conditions: tuple[str, ...]) -> str:
    shown = [f"“{c}”" for c in conditions[:2]]
    if len(conditions) > 2:
        shown.append(f"{len(conditions) - 2} more")
    return _join(shown)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
