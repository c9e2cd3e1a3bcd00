"""What `make mutants` runs: plant known bugs one at a time and check the tests named for each fail.

Each mutant is a textual edit of one source file: an exact snippet of the current code and
what to put in its place, plus the tests that must catch it. The script copies the project to a
temporary folder (without .venv, var/, .git and caches), runs the named tests there once on the
unmutated code (they must pass), then for each mutant applies the edit, runs only its tests and
reports

    killed    every named test failed on it;
    SURVIVED  at least one named test still passed (that test cannot see the bug it is named after).

It exits non-zero if a mutant survives, if the unmutated run fails, or if a snippet is no
longer found exactly once (the code moved: update the mutant, do not drop it). Mutants whose
snippet is still to be written are listed as PENDING and do not fail the run.

    .venv/bin/python scripts/mutants.py            # all mutants
    .venv/bin/python scripts/mutants.py kernel     # only those whose name contains "kernel"

The web tests use SQLite unless DATABASE_URL is set; each run gets a fresh DATA_DIR.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
IGNORED = (".venv", "var", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis", "test-artifacts")

LIME_IMAGE = "explanations/engine/lime_image.py"
IMAGE_UNIT = "tests/unit/test_lime_image.py"
KNOWN_ANSWER = f"{IMAGE_UNIT}::test_hiding_the_bright_block_drops_the_answer_by_the_known_amount"
CLOSED_FORM = f"{IMAGE_UNIT}::test_linear_model_matches_the_closed_form"
WEB_SHAPE = "tests/web/test_images.py::test_an_image_model_trains_and_explains_the_shape"
ANCHOR_UNIT = "tests/unit/test_anchor_tabular.py"
NETWORK = "classifiers/images/network.py"
FITTING = "classifiers/fitting.py"
TRAINING_UNIT = "tests/unit/test_tabular_training.py"
BASELINE_MAJORITY = f"{TRAINING_UNIT}::test_the_baseline_is_the_majority_class_and_its_share_of_the_held_out_rows"
BASELINE_HELD_OUT = f"{TRAINING_UNIT}::test_the_baseline_is_scored_on_the_held_out_rows_not_the_training_rows"
NETWORK_UNIT = "tests/unit/test_image_network.py"
NETWORK_REFERENCE = f"{NETWORK_UNIT}::test_the_network_gives_the_reference_implementations_imagenet_scores"


@dataclass(frozen=True)
class Mutant:
    """Replace ``original`` (which must occur exactly once in ``path``) by ``replacement``.

    Every test in ``tests`` (pytest node ids; a test without its [parameters] stands for all of
    them, and is caught if one of them fails) must fail on the mutated code. ``original=None``
    marks a slot whose mutation is still to be written.
    """

    name: str
    path: str
    original: str | None
    replacement: str
    tests: tuple[str, ...]


MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        name="blur fill hides nothing",
        path=LIME_IMAGE,
        original='blurred = gaussian_filter(image.astype(np.float32), sigma=(sigma, sigma, 0), mode="nearest")',
        replacement="blurred = image.astype(np.float32)",
        tests=(f"{KNOWN_ANSWER}[blur]", CLOSED_FORM),
    ),
    Mutant(
        name="black fill hides nothing",
        path=LIME_IMAGE,
        original="return np.zeros_like(image)",
        replacement="return image.copy()",
        tests=(f"{KNOWN_ANSWER}[black]", CLOSED_FORM),
    ),
    Mutant(
        name="grey fill hides nothing",
        path=LIME_IMAGE,
        original="return np.full_like(image, _GREY)",
        replacement="return image.copy()",
        tests=(f"{KNOWN_ANSWER}[grey]", CLOSED_FORM),
    ),
    Mutant(
        name="mean fill hides nothing",
        path=LIME_IMAGE,
        original="return np.rint(means).astype(np.uint8)[segments]",
        replacement="return image.copy()",
        tests=(f"{KNOWN_ANSWER}[mean]", CLOSED_FORM),
    ),
    Mutant(
        name="perturb_batch hides nothing",
        path=LIME_IMAGE,
        original="out[...] = fill",
        replacement="out[...] = image",
        tests=(KNOWN_ANSWER, WEB_SHAPE),
    ),
    Mutant(
        name="tabular LIME kernel weights dropped (all ones)",
        path="explanations/engine/lime_tabular.py",
        original="sample_weight = np.sqrt(np.exp(-(distances**2) / kernel_width**2))",
        replacement="sample_weight = np.ones_like(distances)",
        tests=("tests/unit/test_lime_tabular.py::test_kernel_weights_follow_the_papers_formula_on_a_hand_made_case",),
    ),
    # Anchors: "met" only when the interval's lower end reaches the threshold, and that
    # interval rests on cases the search never saw.
    Mutant(
        name="Anchors 'met' on the raw share, not the lower bound (tables)",
        path="explanations/engine/anchor_search.py",
        original="meets_threshold=low >= self.tau,",
        replacement="meets_threshold=precision >= self.tau,",
        tests=("tests/unit/test_anchor_tabular.py::test_meets_threshold_needs_the_lower_bound_not_the_raw_share",),
    ),
    Mutant(
        name="Anchors judged on the rows that chose the rule",
        path="explanations/engine/anchor_search.py",
        original="unseen = meeting[~self.known[meeting]]",
        replacement="unseen = meeting",
        tests=("tests/unit/test_anchor_tabular.py::test_rows_the_search_saw_never_judge_the_rule",),
    ),
    Mutant(
        name="Anchors 'met' on the raw share, not the lower bound (text)",
        path="explanations/engine/anchor_text.py",
        original="meets_threshold=low >= threshold,",
        replacement="meets_threshold=kept / len(fresh) >= threshold,",
        tests=("tests/unit/test_anchor_text.py::test_meets_threshold_needs_the_lower_bound_not_the_raw_share",),
    ),
    Mutant(
        name="Anchors search certifies 0.05 below the threshold (anchor-exp's epsilon_stop)",
        path="explanations/engine/anchor_search.py",
        original="ok = (n > 0) & (hits >= self.tau * n) & (lb >= self.tau)",
        replacement="ok = (n > 0) & (hits >= self.tau * n) & (lb >= self.tau - 0.05)",
        tests=(f"{ANCHOR_UNIT}::test_a_rule_is_certified_only_when_its_lower_bound_reaches_the_threshold",),
    ),
    # A share link shows the case's values in the model's columns only.
    Mutant(
        name="share link shows the row-label column",
        path="explanations/disclosure.py",
        original="keep = [*model.features, *",
        replacement="keep = [*model.features, model.dataset.row_label, *",
        tests=(
            "tests/web/test_share_privacy.py::test_a_shared_page_lists_exactly_the_models_columns_never_the_row_label",
        ),
    ),
    # An image dataset's network features are kept beside its own images, for its next model.
    Mutant(
        name="image features file keyed by the number of images",
        path="classifiers/artifacts.py",
        original='path = dataset_image_folder(dataset) / f"features-{name}.npy"',
        replacement='path = Path(settings.MEDIA_ROOT) / "datasets" / f"features-{name}-{dataset.n_rows}.npy"',
        tests=("tests/web/test_images.py::test_two_image_datasets_of_the_same_size_never_share_stored_features",),
    ),
    # Expected values written by hand, not read back from the code under test.
    Mutant(
        name="LIME's default kernel width without the 0.75",
        path="explanations/engine/lime_tabular.py",
        original="return 0.75 * math.sqrt(len(self.columns))",
        replacement="return math.sqrt(len(self.columns))",
        tests=(
            "tests/unit/test_lime_tabular.py::test_the_default_kernel_width_is_lime_s_on_a_hand_made_case",
            "tests/unit/test_lime_fast_ridge.py::test_fit_surrogate_matches_the_two_sklearn_ridges",
            "tests/unit/test_diagnostics.py::test_kernel_sweep_reuses_one_query_and_matches_explain_at_each_width",
        ),
    ),
    Mutant(
        name="explanation seeds capped at 65,535",
        path="explanations/request_settings.py",
        original='"random_state": SEED_RANGE,',
        replacement='"random_state": (0, 2**16 - 1),',
        tests=("tests/unit/test_request_settings.py::test_the_bounds_are_inclusive",),
    ),
    Mutant(
        name="balanced accuracy is plain accuracy",
        path=FITTING,
        original='"balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),',
        replacement='"balanced_accuracy": float(accuracy_score(y_true, y_pred)),',
        tests=(f"{TRAINING_UNIT}::test_every_classifier_trains_and_predicts_probabilities_over_original_columns",),
    ),
    # The baseline a model must beat: the training rows' majority class, scored on the held-out rows.
    Mutant(
        name="baseline always guesses the first class",
        path=FITTING,
        original="return int(np.argmax(np.bincount(train_truths)))",
        replacement="return 0",
        tests=(BASELINE_MAJORITY, BASELINE_HELD_OUT),
    ),
    Mutant(
        name="baseline scored on the training rows",
        path=FITTING,
        original="return float(np.mean(test_truths == most_common_class(train_truths)))",
        replacement="return float(np.mean(train_truths == most_common_class(train_truths)))",
        tests=(BASELINE_HELD_OUT,),
    ),
    # The image network: every ImageNet score against an independent implementation of the
    # same weights, so preprocessing a little off (every top class unchanged) is seen too.
    Mutant(
        name="image network preprocessing off by half a grey level",
        path=NETWORK,
        original="_MEAN, _SCALE = 127.0, 1.0 / 128.0",
        replacement="_MEAN, _SCALE = 127.5, 1.0 / 127.5",
        tests=(NETWORK_REFERENCE,),
    ),
    Mutant(
        name="image network fed pixels in [0, 1]",
        path=NETWORK,
        original="_MEAN, _SCALE = 127.0, 1.0 / 128.0",
        replacement="_MEAN, _SCALE = 0.0, 1.0 / 255.0",
        tests=(NETWORK_REFERENCE, f"{NETWORK_UNIT}::test_the_photos_are_seen_as_what_they_show"),
    ),
    Mutant(
        name="image network batch norm with PyTorch's epsilon, not TensorFlow's",
        path=NETWORK,
        original="_BN_EPS = 1e-3",
        replacement="_BN_EPS = 1e-5",
        tests=(NETWORK_REFERENCE,),
    ),
)

_OUTCOME = re.compile(r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) (\S+)", re.MULTILINE)


def _copy_project(target: Path) -> None:
    shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(*IGNORED), symlinks=True)


def _run_tests(project: Path, tests: list[str]) -> tuple[int, dict[str, str], str, float]:
    """Run ``tests`` in ``project``: (exit code, outcome per test node id, output, seconds)."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="limelight-mutant-data.") as data_dir:
        env = dict(os.environ, DATA_DIR=data_dir, PYTHONDONTWRITEBYTECODE="1")
        completed = subprocess.run(
            [str(PYTHON), "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA", "--no-header", *tests],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    output = completed.stdout + completed.stderr
    outcomes = {node: outcome for outcome, node in _OUTCOME.findall(output)}
    return completed.returncode, outcomes, output, time.perf_counter() - started


def _cases(test: str, outcomes: dict[str, str]) -> dict[str, str]:
    """The outcomes of the test cases a node id stands for."""
    return {node: o for node, o in outcomes.items() if node == test or node.startswith((test + "[", test + "::"))}


def _check_snippet(mutant: Mutant) -> str | None:
    """Why the mutant cannot be applied to the current code, or None."""
    path = ROOT / mutant.path
    if not path.is_file():
        return f"{mutant.path} does not exist"
    count = path.read_text().count(mutant.original)
    if count != 1:
        where = "is not found" if count == 0 else f"occurs {count} times"
        return f"the original snippet {where} in {mutant.path}: {mutant.original!r}"
    return None


def main(argv: list[str]) -> int:
    chosen = [m for m in MUTANTS if not argv or any(word.lower() in m.name.lower() for word in argv)]
    if not chosen:
        print(f"No mutant matches {argv}. Mutants: {', '.join(m.name for m in MUTANTS)}", file=sys.stderr)
        return 2
    pending = [m for m in chosen if m.original is None]
    ready = [m for m in chosen if m.original is not None]
    problems = [(m, why) for m in ready if (why := _check_snippet(m)) is not None]
    for mutant, why in problems:
        print(f"MOVED     {mutant.name}: {why}")
    if problems:
        print("error: update these mutants to the current code (the code they break has moved).", file=sys.stderr)
        return 1

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="limelight-mutants.") as tmp:
        project = Path(tmp) / "project"
        _copy_project(project)
        tests = list(dict.fromkeys(t for m in ready for t in m.tests))
        if tests:
            code, outcomes, output, seconds = _run_tests(project, tests)
            missing = [t for t in tests if not _cases(t, outcomes)]
            if code != 0 or missing:
                print(output)
                if missing:
                    print(f"error: no test matches {missing}", file=sys.stderr)
                print("error: the targeted tests do not pass on the unmutated code.", file=sys.stderr)
                return 1
            print(f"Unmutated code: the {len(outcomes)} targeted test cases pass ({seconds:.0f} s).")

        survived = 0
        for mutant in ready:
            source = project / mutant.path
            clean = source.read_text()
            source.write_text(clean.replace(mutant.original, mutant.replacement, 1))
            try:
                code, outcomes, output, seconds = _run_tests(project, list(mutant.tests))
            finally:
                source.write_text(clean)
            if code not in (0, 1):  # interrupted, internal or usage error, nothing collected
                print(output)
                print(f"error: pytest stopped with exit code {code} on mutant {mutant.name!r}.", file=sys.stderr)
                return 1
            escaped = [
                t for t in mutant.tests if not any(o in ("FAILED", "ERROR") for o in _cases(t, outcomes).values())
            ]
            if escaped:
                survived += 1
                print(f"SURVIVED  {mutant.name} ({seconds:.0f} s): still passing: {', '.join(escaped)}")
            else:
                print(f"killed    {mutant.name} ({seconds:.0f} s) by: {', '.join(mutant.tests)}")
    for mutant in pending:
        print(f"PENDING   {mutant.name}: no mutation written yet ({mutant.path})")
    killed = len(ready) - survived
    print(f"{killed} killed, {survived} survived, {len(pending)} pending, in {time.perf_counter() - started:.0f} s.")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
