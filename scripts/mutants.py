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

LIME_IMAGE = "limelight/explainers/lime_image.py"
IMAGE_UNIT = "tests/unit/test_lime_image.py"
KNOWN_ANSWER = f"{IMAGE_UNIT}::test_hiding_the_bright_block_drops_the_answer_by_the_known_amount"
CLOSED_FORM = f"{IMAGE_UNIT}::test_linear_model_matches_the_closed_form"
WEB_SHAPE = "tests/web/test_images.py::test_an_image_model_trains_and_explains_the_shape"
ANCHOR_UNIT = "tests/unit/test_anchor_tabular.py"
NETWORK = "limelight/images/network.py"
FITTING = "limelight/fitting.py"
TRAINING_UNIT = "tests/unit/test_tabular_training.py"
BASELINE_MAJORITY = f"{TRAINING_UNIT}::test_the_baseline_is_the_majority_class_and_its_share_of_the_held_out_rows"
BASELINE_HELD_OUT = f"{TRAINING_UNIT}::test_the_baseline_is_scored_on_the_held_out_rows_not_the_training_rows"
NETWORK_UNIT = "tests/unit/test_image_network.py"
NETWORK_REFERENCE = f"{NETWORK_UNIT}::test_the_network_gives_the_reference_implementations_imagenet_scores"
TARGETS = "limelight/tabular/targets.py"
DATES = "limelight/tabular/dates.py"
PROFILING_UNIT = "tests/unit/test_tabular_profiling.py"
DATES_UNIT = "tests/unit/test_dates.py"
TARGETS_WEB = "tests/web/test_targets.py"
LINKS_STOPPED = "tests/web/test_share_links_stopped.py"
EXPLAIN_COMMAND = "explanations/management/commands/explain.py"
CLI_WEB = "tests/web/test_cli.py"
CELLS = "limelight/tabular/cells.py"
CELLS_UNIT = "tests/unit/test_cells.py"
AMOUNT_PAGES = "tests/web/test_amount_pages.py"
VERDICT = "limelight/explainers/verdict.py"
VERDICT_UNIT = "tests/unit/test_verdict.py"
VERDICTS_WEB = "tests/web/test_verdicts.py"
DELETION = "limelight/explainers/diagnostics/deletion_insertion.py"
SUBMODULAR = "limelight/explainers/diagnostics/submodular_pick.py"
DIAGNOSTICS_UNIT = "tests/unit/test_diagnostics.py"
PAGES_WEB = "tests/web/test_pages.py"
WORDS_WEB = "tests/web/test_words.py"
QUEUES_INTEGRATION = "tests/integration/test_queues.py"
FOLLOW_UPS_WEB = "tests/web/test_follow_ups.py"
READING_UNIT = "tests/unit/test_tabular_reading.py"
NUMBERS = "limelight/tabular/numbers.py"
NUMBERS_UNIT = "tests/unit/test_numbers.py"
DECIMAL_WEB = "tests/web/test_decimal_commas.py"
ARCHIVE = "limelight/images/archive.py"
STREAMING_UNIT = "tests/unit/test_archive_streaming.py"
INGEST_WEB = "tests/web/test_archive_ingest_memory.py"
CF_UNIT = "tests/unit/test_counterfactuals.py"
CF_WEB = "tests/web/test_counterfactuals.py"
REPORT_WEB = "tests/web/test_model_report.py"
AMOUNTS = "limelight/amounts.py"
AMOUNTS_UNIT = "tests/unit/test_amounts.py"
AMOUNTS_WEB = "tests/web/test_amounts_training.py"

CLASSROOM_UNIT = "tests/unit/test_classroom_lessons.py"
CLASSROOM_WEB = "tests/web/test_classroom.py"
CLASSROOM_E2E = "tests/e2e/test_classroom.py"


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
        path="limelight/explainers/lime_tabular.py",
        original="sample_weight = np.sqrt(np.exp(-(distances**2) / kernel_width**2))",
        replacement="sample_weight = np.ones_like(distances)",
        tests=("tests/unit/test_lime_tabular.py::test_kernel_weights_follow_the_papers_formula_on_a_hand_made_case",),
    ),
    # Anchors: "met" only when the interval's lower end reaches the threshold, and that
    # interval rests on cases the search never saw.
    Mutant(
        name="Anchors 'met' on the raw share, not the lower bound (tables)",
        path="limelight/explainers/anchor_search.py",
        original="meets_threshold=low >= self.tau,",
        replacement="meets_threshold=precision >= self.tau,",
        tests=("tests/unit/test_anchor_tabular.py::test_meets_threshold_needs_the_lower_bound_not_the_raw_share",),
    ),
    Mutant(
        name="Anchors judged on the rows that chose the rule",
        path="limelight/explainers/anchor_search.py",
        original="unseen = meeting[~self.known[meeting]]",
        replacement="unseen = meeting",
        tests=("tests/unit/test_anchor_tabular.py::test_rows_the_search_saw_never_judge_the_rule",),
    ),
    Mutant(
        name="Anchors 'met' on the raw share, not the lower bound (text)",
        path="limelight/explainers/anchor_text.py",
        original="meets_threshold=low >= threshold,",
        replacement="meets_threshold=kept / len(fresh) >= threshold,",
        tests=("tests/unit/test_anchor_text.py::test_meets_threshold_needs_the_lower_bound_not_the_raw_share",),
    ),
    Mutant(
        name="Anchors search certifies 0.05 below the threshold (anchor-exp's epsilon_stop)",
        path="limelight/explainers/anchor_search.py",
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
        original='stored_name = f"{dataset_image_folder(dataset)}/features-{name}.npy"',
        replacement='stored_name = f"datasets/features-{name}-{dataset.n_rows}.npy"',
        tests=("tests/web/test_images.py::test_two_image_datasets_of_the_same_size_never_share_stored_features",),
    ),
    # Expected values written by hand, not read back from the code under test.
    Mutant(
        name="LIME's default kernel width without the 0.75",
        path="limelight/explainers/lime_tabular.py",
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
    # Issue 23, the target a person means and dates (tests written from mtcars, diamonds, airports).
    Mutant(
        name="the default target may be a column that cannot be trained",
        path=TARGETS,
        original="            if _failure(frame, profile.name) is None:\n",
        replacement="            if True:\n",
        tests=(
            f"{PROFILING_UNIT}::test_the_likeliest_looking_column_is_passed_over_when_one_of_its_classes_has_one_row",
            f"{PROFILING_UNIT}::test_airports_country_with_one_airport_countries_is_not_the_default_target_state_is",
        ),
    ),
    Mutant(
        name="ties between targets go to the left-most column",
        path=TARGETS,
        original="candidates.sort(key=lambda item: (target_score(item[1]), -item[1].distinct, item[0]), reverse=True)",
        replacement=(
            "candidates.sort(key=lambda item: (target_score(item[1]), -item[1].distinct, -item[0]), reverse=True)"
        ),
        tests=(
            f"{PROFILING_UNIT}::test_two_equally_likely_targets_the_right_most_column_wins",
            f"{PROFILING_UNIT}::test_mtcars_carb_with_a_one_car_class_is_never_the_default_but_a_yes_no_column_is",
        ),
    ),
    Mutant(
        name="ties between targets ignore how many classes they have",
        path=TARGETS,
        original="candidates.sort(key=lambda item: (target_score(item[1]), -item[1].distinct, item[0]), reverse=True)",
        replacement="candidates.sort(key=lambda item: (target_score(item[1]), item[0]), reverse=True)",
        tests=(
            f"{PROFILING_UNIT}::test_of_equally_likely_targets_the_one_with_fewer_classes_wins_before_the_right_most",
        ),
    ),
    Mutant(
        name="a code named like an outcome counts as an outcome",
        path=TARGETS,
        original=" and not _looks_like_id_name(profile.name) else 0",
        replacement=" else 0",
        tests=(f"{PROFILING_UNIT}::test_a_column_named_like_a_code_is_not_taken_for_an_outcome",),
    ),
    Mutant(
        name="target errors do not name the column",
        path="limelight/tabular/profiling.py",
        original='        super().__init__(f"“{column}”: {message}")',
        replacement="        super().__init__(message[0].upper() + message[1:])",
        tests=(f"{PROFILING_UNIT}::test_target_errors_name_the_column_first",),
    ),
    Mutant(
        name="no column trains: each column's error instead of one message",
        path="classifiers/handlers/tabular.py",
        original="    if none:  # said once for the file, not once per column",
        replacement="    if False:",
        tests=(f"{TARGETS_WEB}::test_a_file_where_no_column_can_be_trained_says_so_once_on_the_page",),
    ),
    Mutant(
        name="the no-target message stops at the first column that fails",
        path=TARGETS,
        original="        by_reason.setdefault(failure.reason, []).append(profile.name)",
        replacement="        by_reason.setdefault(failure.reason, []).append(profile.name)\n        break",
        tests=(f"{PROFILING_UNIT}::test_when_no_column_can_be_trained_one_message_says_so_and_why",),
    ),
    Mutant(
        name="a nearly unique date is the default row label again",
        path="limelight/tabular/profiling.py",
        original="    identifiers = [p.name for p in profiles if p.kind == ColumnKind.IDENTIFIER]\n    named",
        replacement="    identifiers = row_label_candidates(profiles, n_rows)\n    named",
        tests=(
            f"{PROFILING_UNIT}::test_default_row_label_prefers_the_nameless_column_then_an_id_never_a_date",
            f"{TARGETS_WEB}::test_a_date_used_through_its_parts_is_not_also_said_to_name_the_rows",
        ),
    ),
    Mutant(
        name="the day of the week is always used",
        path=DATES,
        original="    return bool(np.mean(steps == 1) >= _DAILY_STEPS)",
        replacement="    return True",
        tests=(f"{DATES_UNIT}::test_the_day_of_the_week_is_offered_but_left_out_when_the_rows_are_not_daily",),
    ),
    Mutant(
        name="the day of the week is never used from the start",
        path=DATES,
        original="    return bool(np.mean(steps == 1) >= _DAILY_STEPS)",
        replacement="    return False",
        tests=(
            f"{DATES_UNIT}::test_daily_rows_over_weeks_use_the_day_of_the_week",
            f"{DATES_UNIT}::test_working_days_only_still_count_as_daily",
        ),
    ),
    Mutant(
        name="spring starts in February",
        path=DATES,
        original='_SEASONS = {12: "winter", 1: "winter", 2: "winter", 3: "spring"',
        replacement='_SEASONS = {12: "winter", 1: "winter", 2: "spring", 3: "spring"',
        tests=(f"{DATES_UNIT}::test_seasons_change_on_the_first_of_march_june_september_and_december",),
    ),
    Mutant(
        name="autumn runs into December",
        path=DATES,
        original='_SEASONS |= {6: "summer", 7: "summer", 8: "summer", 9: "autumn", 10: "autumn", 11: "autumn"}',
        replacement=(
            '_SEASONS |= {6: "summer", 7: "summer", 8: "summer", 9: "autumn", 10: "autumn", 11: "autumn", 12: "autumn"}'
        ),
        tests=(f"{DATES_UNIT}::test_seasons_change_on_the_first_of_march_june_september_and_december",),
    ),
    Mutant(
        name="a short text column with 60% distinct values is an identifier",
        path="limelight/tabular/profiling.py",
        original="_NEARLY_UNIQUE = 0.9",
        replacement="_NEARLY_UNIQUE = 0.5",
        tests=(f"{PROFILING_UNIT}::test_a_short_text_column_with_60_percent_distinct_values_stays_a_category",),
    ),
    # Issue 23, the command line and share links that no longer work.
    Mutant(
        name="a stopped share link says it does not exist",
        path="explanations/selectors.py",
        original='raise ShareLinkGone("stopped")',
        replacement='raise ShareLinkGone("unknown")',
        tests=(
            f"{LINKS_STOPPED}::test_a_stopped_link_says_it_was_stopped_on_a_page_of_the_site_and_shows_nothing_behind_it",
        ),
    ),
    Mutant(
        name="a stopped share link still shows what it showed",
        path="explanations/selectors.py",
        original='raise ShareLinkGone("stopped")',
        replacement="return link",
        tests=(
            f"{LINKS_STOPPED}::test_a_stopped_link_says_it_was_stopped_on_a_page_of_the_site_and_shows_nothing_behind_it",
            f"{LINKS_STOPPED}::test_a_stopped_model_link_shows_nothing_of_the_model",
        ),
    ),
    Mutant(
        name="a dead share link is Django's bare Not Found",
        path="explanations/shared.py",
        original="return link_gone(request, gone.reason)",
        replacement="raise",
        tests=(
            f"{LINKS_STOPPED}::test_a_made_up_token_says_the_link_does_not_exist",
            f"{LINKS_STOPPED}::test_an_expired_link_says_it_has_expired_and_shows_nothing_behind_it",
        ),
    ),
    Mutant(
        name="share form starts on until I stop it",
        path="explanations/forms.py",
        original="initial=str(SHARE_DAYS),",
        replacement='initial="",',
        tests=(f"{LINKS_STOPPED}::test_a_link_made_with_the_form_as_it_starts_stops_working_after_30_days",),
    ),
    Mutant(
        name="explain needs --row again",
        path=EXPLAIN_COMMAND,
        original='default="0",',
        replacement="required=True,",
        tests=(f"{CLI_WEB}::test_without_row_the_first_row_of_the_file_is_explained",),
    ),
    Mutant(
        name="explain --sheet is ignored",
        path=EXPLAIN_COMMAND,
        original="owner=user, upload=File(handle, name=path.name), sheet=sheet",
        replacement="owner=user, upload=File(handle, name=path.name)",
        tests=(
            f"{CLI_WEB}::test_sheet_reads_the_named_sheet_of_a_workbook",
            f"{CLI_WEB}::test_sheet_reads_a_workbook_whose_first_sheet_is_an_empty_cover",
        ),
    ),
    Mutant(
        name="whole numbers print as floats",
        path=CELLS,
        original="return int(value) if whole and _whole_numbers(column) else value",
        replacement="return value",
        tests=(
            f"{CLI_WEB}::test_an_integer_row_label_and_whole_numbers_print_as_the_file_wrote_them",
            f"{CELLS_UNIT}::test_a_column_of_whole_numbers_with_a_gap_gives_integers_and_the_gap_stays_missing",
        ),
    ),
    Mutant(
        name="a row's cells take the row's one dtype",
        path=CELLS,
        original="return {str(column): _cell(frame[column], position) for column in frame.columns}",
        replacement="return {str(column): frame.iloc[position][column] for column in frame.columns}",
        tests=(
            f"{CELLS_UNIT}::test_an_all_number_row_keeps_its_integers_beside_a_measurement",
            f"{CLI_WEB}::test_an_integer_row_label_and_whole_numbers_print_as_the_file_wrote_them",
        ),
    ),
    Mutant(
        name="an address that matches nothing is Django's bare Not Found",
        path="templates/404.html",
        original="<h1>There is no page at this address</h1>",
        replacement="<h1>Not Found</h1>",
        tests=("tests/web/test_not_found.py::test_an_address_that_matches_nothing_is_a_page_of_the_site",),
    ),
    # Issue 23, verdicts that match what a reader sees.
    Mutant(
        name="verdict: a rule on a few rows of the file is trusted",
        path=VERDICT,
        original="if s.rule_file_rows is not None and s.rule_file_rows < FEW_FILE_ROWS:",
        replacement="if s.rule_file_rows is not None and s.rule_file_rows < 1:",
        tests=(f"{VERDICT_UNIT}::test_a_rule_that_holds_for_one_row_of_the_file_is_not_trust",),
    ),
    Mutant(
        name="verdict: a long rule on a sliver of the file is trusted",
        path=VERDICT,
        original="len(s.rule_conditions) >= MANY_CONDITIONS",
        replacement="len(s.rule_conditions) >= 99",
        tests=(f"{VERDICT_UNIT}::test_a_rule_of_eight_conditions_covering_a_sliver_of_the_file_is_not_trust",),
    ),
    Mutant(
        name="verdict: a rule resting on a missing value is trusted",
        path=VERDICT,
        original='c.endswith(" is missing")',
        replacement='c.endswith(" is blank")',
        tests=(f"{VERDICT_UNIT}::test_a_rule_resting_on_a_missing_value_is_not_trust",),
    ),
    Mutant(
        name="verdict: a saturated deletion curve counts as a failure",
        path=VERDICT,
        original="None if s.deletion_saturated else s.deletion_better,",
        replacement="s.deletion_better,",
        tests=(f"{VERDICT_UNIT}::test_a_saturated_deletion_curve_is_cannot_tell_not_a_failure",),
    ),
    Mutant(
        name="saturation ignores the random orders",
        path=DELETION,
        original="bool(np.all(np.abs(y - p_row) <= _AUC_TIE))",
        replacement="bool(np.all(np.abs(y[0] - p_row) <= _AUC_TIE))",
        tests=(
            f"{DIAGNOSTICS_UNIT}::test_a_flat_explanation_curve_while_random_orders_move_is_a_failure_not_saturation",
        ),
    ),
    Mutant(
        name="saturation never seen",
        path=DELETION,
        original="saturated = p_row >= SATURATED and",
        replacement="saturated = p_row > 1 and",
        tests=(f"{DIAGNOSTICS_UNIT}::test_a_model_too_sure_to_move_is_saturated_and_the_check_says_it_cannot_tell",),
    ),
    Mutant(
        name="representative rows repeat a class before showing every class",
        path=SUBMODULAR,
        original="            if unshown.any():",
        replacement="            if False:",
        tests=(f"{DIAGNOSTICS_UNIT}::test_sp_lime_pick_covers_every_predicted_class_before_repeating_one",),
    ),
    Mutant(
        name="representative rows always claim full coverage",
        path=SUBMODULAR,
        original="return bool(np.all(used[list(picked)].any(axis=0) >= used.any(axis=0)))",
        replacement="return True",
        tests=(f"{DIAGNOSTICS_UNIT}::test_coverage_is_complete_only_when_the_next_best_row_adds_nothing",),
    ),
    Mutant(
        name="overview says nothing new without full coverage",
        path="templates/explanations/overview.html",
        original="{% if picks|length < overview.budget and overview.result.covers_all %}",
        replacement="{% if picks|length < overview.budget %}",
        tests=(f"{VERDICTS_WEB}::test_the_overview_says_nothing_new_only_when_coverage_is_complete",),
    ),
    Mutant(
        name="KernelSHAP's verdict names no checks",
        path="explanations/verdicts.py",
        original='elif explanation.explainer == Explainer.SHAP and "base_value" in result:',
        replacement="elif False:",
        tests=(f"{VERDICTS_WEB}::test_kernel_shap_says_which_checks_apply_to_it",),
    ),
    Mutant(
        name="side by side does not say which to believe when the rule describes one row",
        path=VERDICT,
        original='return f"{described[0].upper()}{described[1:]}; LIME\'s weights are the better guide here."',
        replacement='return ""',
        tests=(
            f"{VERDICT_UNIT}::test_when_the_rule_describes_one_row_lime_is_the_better_guide",
            f"{VERDICTS_WEB}::test_side_by_side_says_which_to_believe_when_the_rule_describes_one_row",
        ),
    ),
    # Issue 23, pages: the row table and the words.
    Mutant(
        name="row picker's first column not sticky",
        path="static/css/site.css",
        original="table.rows .pick { position: sticky; left: 0;",
        replacement="table.rows .pick { position: static; left: 0;",
        tests=(f"{PAGES_WEB}::test_the_row_pickers_first_cell_holds_explain_and_the_prediction_and_stays_in_view",),
    ),
    Mutant(
        name="phone cards do not name their values",
        path="templates/classifiers/model_detail.html",
        original='{% for column, value in row.cells %}<td data-label="{{ column }}"',
        replacement='{% for column, value in row.cells %}<td data-label=""',
        tests=(f"{PAGES_WEB}::test_on_a_phone_each_row_is_a_card_whose_values_are_named",),
    ),
    Mutant(
        name="counts without thousands separators",
        path="classifiers/templatetags/limelight.py",
        original='return f"{number:,} {singular',
        replacement='return f"{number} {singular',
        tests=(
            f"{WORDS_WEB}::test_a_count_agrees_with_its_number_and_groups_its_thousands",
            f"{WORDS_WEB}::test_a_file_of_1600_rows_is_counted_with_a_thousands_separator",
        ),
    ),
    Mutant(
        name="pager says 1 rows",
        path="templates/classifiers/model_detail.html",
        original='({{ page.total|counted:"row" }})',
        replacement="({{ page.total }} rows)",
        tests=(f"{WORDS_WEB}::test_a_page_of_one_row_says_1_row",),
    ),
    Mutant(
        name="default threshold called what the person asked for",
        path="explanations/presenters.py",
        original="threshold_is_default=math.isclose(threshold, ExplanationSettings.threshold),",
        replacement="threshold_is_default=False,",
        tests=(f"{WORDS_WEB}::test_the_usual_rule_threshold_is_not_called_what_the_person_asked_for",),
    ),
    # Issue 24, queues: each kind of job on its own queue; trust checks never lost between jobs.
    Mutant(
        name="trust checks routed with explanations",
        path="explainer_site/celery.py",
        original='"diagnostics": ("explanations.diagnose", "explanations.overview"),',
        replacement='"diagnostics": ("explanations.overview",),',
        tests=(
            f"{QUEUES_INTEGRATION}::test_a_message_for_each_kind_of_job_lands_on_its_own_queue",
            f"{QUEUES_INTEGRATION}::test_a_worker_on_the_explanations_queue_only_leaves_training_jobs_waiting",
        ),
    ),
    Mutant(
        name="worker command ignores --queues",
        path="jobs/management/commands/worker.py",
        original='argv += ["worker", "--queues", ",".join(queues),',
        replacement='argv += ["worker", "--queues", ",".join(QUEUES),',
        tests=(
            "tests/web/test_worker_queues.py::test_the_worker_command_passes_the_chosen_queues_to_celery",
            f"{QUEUES_INTEGRATION}::test_a_worker_on_the_explanations_queue_only_leaves_training_jobs_waiting",
        ),
    ),
    Mutant(
        name="success and follow-up in separate transactions",
        path="jobs/services.py",
        original="            with transaction.atomic():\n                job_succeed(model=model, pk=pk, **fields)",
        replacement="            if True:\n                job_succeed(model=model, pk=pk, **fields)",
        tests=(
            f"{FOLLOW_UPS_WEB}::test_a_worker_dying_while_it_queues_the_trust_checks_does_not_leave_the_explanation_done_without_them",
        ),
    ),
    Mutant(
        name="sweeper looks for explanations that already have checks",
        path="explanations/follow_ups.py",
        original="diagnosis__isnull=True,",
        replacement="diagnosis__isnull=False,",
        tests=(
            f"{FOLLOW_UPS_WEB}::test_when_queuing_the_checks_fails_the_explanation_stands_and_the_sweeper_queues_them",
            f"{QUEUES_INTEGRATION}::test_an_explanation_saved_without_its_trust_checks_gets_them_from_the_sweeper",
        ),
    ),
    # Issue 23, decimal commas: numbers read as the file writes them, never met as text by the engine.
    Mutant(
        name="a file's decimal never decided",
        path="limelight/tabular/reading.py",
        original="decimal = file_decimal(_cells(rows[:_DECIDE_ROWS]), delimiter=delimiter)",
        replacement='decimal = "."',
        tests=(f"{READING_UNIT}::test_dots_that_could_group_thousands_do_so_in_a_file_of_decimal_commas",),
    ),
    Mutant(
        name="no per-column decimal fallback",
        path="limelight/tabular/reading.py",
        original="for candidate in (decimal, _other(decimal)):",
        replacement="for candidate in (decimal,):",
        tests=(f"{READING_UNIT}::test_a_column_of_decimal_points_in_a_decimal_comma_file_still_reads_as_written",),
    ),
    Mutant(
        name="thousands separators drop the fraction",
        path=NUMBERS,
        original="return float(f\"{sign}{whole.replace(separator, '')}.{fraction or '0'}\")",
        replacement="return float(f\"{sign}{whole.replace(separator, '')}\")",
        tests=(NUMBERS_UNIT,),
    ),
    Mutant(
        name="a number too large for a model is read",
        path=NUMBERS,
        original="if number is None or not abs(number) <= _LARGEST:",
        replacement="if number is None:",
        tests=(f"{NUMBERS_UNIT}::test_a_number_too_large_for_a_model_is_counted_as_unreadable",),
    ),
    Mutant(
        name="a semicolon file's 1,234 is not a decimal comma",
        path=NUMBERS,
        original='return "," if commas == 0 and either and delimiter == ";" else "."',
        replacement='return "."',
        tests=(f"{NUMBERS_UNIT}::test_file_decimal_decides_the_convention_from_the_file",),
    ),
    Mutant(
        name="training skips number parsing",
        path="limelight/tabular/training.py",
        original="frame = _read_number_columns(frame, [name for name in features if name in set(numeric)])",
        replacement="frame = frame",
        tests=(
            "tests/unit/test_numbers_in_training.py::test_a_number_column_written_with_decimal_commas_is_learned_from",
        ),
    ),
    Mutant(
        name="a typed value with a decimal comma is refused",
        path="explanations/services.py",
        original='number = typed_number(value, dataset_frame(model.dataset).attrs.get("decimal", "."))',
        replacement='number = typed_number(value, ".") if not isinstance(value, str) or "," not in value else None',
        tests=(f"{DECIMAL_WEB}::test_a_typed_value_written_with_a_decimal_comma_is_the_number_it_means",),
    ),
    # Issue 24, image archives read one member at a time.
    Mutant(
        name="archive keeps every decoded image",
        path=ARCHIVE,
        original=(
            "        on_image(ImageItem(label=label, member=info.filename, image=image))\n"
            "        entries.append(ImageEntry(label=label, member=info.filename))"
        ),
        replacement=(
            "        entries.append(ImageItem(label=label, member=info.filename, image=image))\n"
            "        on_image(entries[-1])"
        ),
        tests=(
            f"{STREAMING_UNIT}::test_fifty_two_megabyte_photos_are_read_with_at_most_three_members_in_memory",
            f"{INGEST_WEB}::test_storing_fifty_large_photos_holds_about_one_at_a_time",
        ),
    ),
    Mutant(
        name="archive read whole from a file object",
        path=ARCHIVE,
        original=(
            "    if isinstance(source, bytes | bytearray | memoryview):\n        source = io.BytesIO(bytes(source))"
        ),
        replacement=(
            '    if hasattr(source, "read"):\n        source = source.read()\n'
            "    if isinstance(source, bytes | bytearray | memoryview):\n        source = io.BytesIO(bytes(source))"
        ),
        tests=(f"{STREAMING_UNIT}::test_a_file_object_is_read_a_member_at_a_time_never_whole",),
    ),
    Mutant(
        name="features pass holds the rows twice",
        path="limelight/images/training.py",
        original="        rows[start:stop] = part\n",
        replacement="        rows[start:stop] = part\n        rows = np.concatenate([rows[:stop], rows[stop:]])\n",
        tests=(f"{STREAMING_UNIT}::test_the_features_pass_holds_the_feature_rows_once",),
    ),
    Mutant(
        name="features pass puts rows in the wrong order",
        path="limelight/images/training.py",
        original="        rows[start:stop] = part\n",
        replacement="        rows[start:stop] = part[::-1]\n",
        tests=(f"{STREAMING_UNIT}::test_the_features_pass_holds_the_feature_rows_once",),
    ),
    Mutant(
        name="marked number columns not parsed",
        path="classifiers/artifacts.py",
        original="return _cached_table(name, version, dataset.sheet, _number_columns(dataset))",
        replacement="return _cached_table(name, version, dataset.sheet, ())",
        tests=(
            f"{DECIMAL_WEB}::test_a_column_marked_as_numbers_says_what_could_not_be_read_and_explains_without_error",
        ),
    ),
    Mutant(
        name="upload's ZIP read whole into bytes",
        path="classifiers/services.py",
        original=(
            "            local_copy(dataset.file.name),  "
            "# the ZIP on this machine's disk: members are read one at a time"
        ),
        replacement='            dataset.file.open("rb").read(),',
        tests=(f"{INGEST_WEB}::test_storing_fifty_large_photos_holds_about_one_at_a_time",),
    ),
    # Issue 24, every file through the storage API; a bounded download cache on each worker.
    Mutant(
        name="download cache evicts the newest first",
        path="limelight/file_cache.py",
        original="for _, size, entry in sorted(entries, key=lambda item: item[0]):",
        replacement="for _, size, entry in sorted(entries, key=lambda item: item[0], reverse=True):",
        tests=(
            "tests/unit/test_file_cache.py::test_filling_past_the_bound_removes_the_oldest_files",
            "tests/unit/test_file_cache.py::test_a_file_used_again_outlives_older_unused_ones",
        ),
    ),
    Mutant(
        name="loaded model cached by name only",
        path="classifiers/artifacts.py",
        original="return _cached(name, version, _load_joblib)",
        replacement='return _cached(name, "", _load_joblib)',
        tests=(
            "tests/web/test_object_storage.py::test_a_model_is_downloaded_once_and_read_again_after_it_is_retrained",
        ),
    ),
    Mutant(
        name="bucket folder delete leaves its files",
        path="classifiers/artifacts.py",
        original='        storage.delete(f"{name}/{file}")',
        replacement="        pass",
        tests=(
            "tests/web/test_object_storage.py::test_an_image_dataset_its_features_and_its_overlay_live_in_the_bucket",
        ),
    ),
    Mutant(
        name="deletion hides the largest weights first, whatever their sign",
        path=DELETION,
        original="return [item for item, _ in sorted(weights, key=lambda pair: -pair[1])]",
        replacement="return [item for item, _ in sorted(weights, key=lambda pair: -abs(pair[1]))]",
        tests=(
            f"{DIAGNOSTICS_UNIT}::test_deletion_hides_what_speaks_for_the_label_first_so_a_right_explanation_is_not_called_worse_than_random",
        ),
    ),
    # Issue 24, no shared disk: the compose file and the sweeper that rescues a killed worker's job.
    Mutant(
        name="compose app services share a media volume",
        path="docker-compose.yml",
        original=(
            "  # No volumes: a worker started by --scale shares nothing with the others but the\n"
            "  # database, Redis and the bucket.\n"
        ),
        replacement="  volumes:\n    - media:/data\n",
        tests=("tests/web/test_compose.py::test_app_services_share_no_disk",),
    ),
    Mutant(
        name="compose store key differs from the apps'",
        path="docker-compose.yml",
        original='"secretKey": "${AWS_SECRET_ACCESS_KEY}"',
        replacement='"secretKey": "limelight-secret"',
        tests=("tests/web/test_compose.py::test_the_store_is_given_the_key_the_apps_use",),
    ),
    Mutant(
        name="sweeper gives up on a lost worker's job",
        path="jobs/services.py",
        original="            if attempts < settings.JOB_MAX_ATTEMPTS:\n",
        replacement="            if False:\n",
        tests=("tests/integration/test_no_shared_disk.py::test_a_worker_killed_mid_job_leaves_the_job_to_the_other",),
    ),
    # Issue 24, the house: pickles under a module's old path still load; kinds call their handlers.
    Mutant(
        name="an explainer state pickled before the move no longer loads",
        path="limelight/moved_modules.py",
        original='    "explanations.engine.lime_tabular": "limelight.explainers.lime_tabular",  # TabularLime\n',
        replacement="",
        tests=(
            "tests/unit/test_moved_modules.py::test_a_name_pickled_under_its_old_module_loads_as_the_moved_object",
            "tests/web/test_moved_modules_installed.py::test_the_app_lets_an_explainer_state_pickled_under_the_old_path_load",
        ),
    ),
    Mutant(
        name="a kind's handler is looked up but never called",
        path="classifiers/kinds/base.py",
        original="        return import_string(self.path)(*args, **kwargs)\n",
        replacement="        return import_string(self.path)\n",
        tests=("tests/web/test_kinds.py::test_a_kind_added_to_the_registry_is_used_everywhere",),
    ),
    Mutant(
        name="a stored pickle outside the models folder is loaded",
        path="classifiers/artifacts.py",
        original='    if parts[:1] != ("models",) or ".." in parts:',
        replacement="    if False:",
        tests=("tests/web/test_security.py::test_no_code_path_loads_a_pickle_a_user_could_have_supplied",),
    ),
    Mutant(
        name="verdict: a negligible reason's wavering direction counts",
        path=VERDICT,
        original="MATTERING_SHARE = 0.1\n",
        replacement="MATTERING_SHARE = 0.0\n",
        tests=(f"{VERDICT_UNIT}::test_only_reasons_that_matter_count_as_unsure",),
    ),
    Mutant(
        name="a rule that held every time reads a bare 100.0%",
        path="templates/explanations/_anchor.html",
        original=(
            "the model predicts {{ view.predicted }} for {% if rule.precision >= 1 %}every one{% else %}"
            "{{ rule.precision|percent:1 }}{% endif %} of them (95% sure of the range).</li>\n    {% endif %}"
        ),
        replacement=(
            "the model predicts {{ view.predicted }} for {{ rule.precision|percent:1 }} of them.</li>\n    {% endif %}"
        ),
        tests=(f"{WORDS_WEB}::test_a_rule_that_held_on_every_variation_says_every_one_not_a_bare_100_percent",),
    ),
    # Issue 27 (the whole model at a glance: engine, report, CLI) — overview-engine.
    Mutant(
        name="overview: importance listed smallest first",
        path="limelight/overview/importance.py",
        original='return sorted(table, key=lambda item: -float(item["importance"]))',
        replacement='return sorted(table, key=lambda item: float(item["importance"]))',
        tests=(
            "tests/unit/test_overview.py::test_importance_ranks_the_two_deciding_columns_first_and_the_noise_near_zero",
            "tests/web/test_report_cli.py::test_report_json_ranks_the_deciding_columns_first_and_writes_one_html_file",
        ),
    ),
    Mutant(
        name="overview: dependence curves read row-major instead of grid-major",
        path="limelight/overview/dependence.py",
        original="outputs = probabilities.reshape(len(grid), n, -1).transpose(1, 0, 2)",
        replacement="outputs = probabilities.reshape(n, len(grid), -1)",
        tests=("tests/unit/test_overview.py::test_dependence_of_a_known_probability_is_the_probability_itself",),
    ),
    Mutant(
        name="overview: an error group's number bounds on the wrong side",
        path="limelight/overview/mistakes.py",
        original="            else:\n                if left:\n",
        replacement="            else:\n                if not left:\n",
        tests=("tests/unit/test_overview.py::test_errors_grouped_name_the_column_where_the_model_is_wrong",),
    ),
    Mutant(
        name="overview: recall counts every predicted positive as found",
        path="limelight/overview/fairness.py",
        original='"found": lambda t, p: int(np.sum((t == positive) & (p == positive))),',
        replacement='"found": lambda t, p: int(np.sum(p == positive)),',
        tests=("tests/unit/test_overview.py::test_fairness_table_shows_the_built_in_gap_with_the_right_counts",),
    ),
    Mutant(
        name="overview: a small group is not said to be small",
        path="limelight/overview/fairness.py",
        original='"small": n < FEW_ROWS,',
        replacement='"small": False,',
        tests=(
            "tests/unit/test_overview.py::test_fairness_table_shows_the_built_in_gap_with_the_right_counts",
            "tests/web/test_report_cli.py::test_report_json_ranks_the_deciding_columns_first_and_writes_one_html_file",
        ),
    ),
    Mutant(
        name="overview: the report does not escape column names",
        path="limelight/overview/report.py",
        original="return escape(str(value), quote=True)",
        replacement="return str(value)",
        tests=(
            "tests/unit/test_overview.py::"
            "test_the_report_is_one_file_with_every_section_nothing_fetched_and_names_escaped",
        ),
    ),
    Mutant(
        name="overview: the explanations' weights are left out of the importance",
        path="explanations/whole_model.py",
        original='if e.result.get("weights")',
        replacement="if False",
        tests=(
            "tests/web/test_report_cli.py::"
            "test_the_overview_of_an_explained_model_keeps_its_explanations_and_compares_their_weights",
        ),
    ),
    # Issue 26 (what would change it: counterfactuals) — counterfactuals.
    Mutant(
        name="counterfactual: the trees' splits are not read",
        path="limelight/explainers/counterfactual_space.py",
        original='trees = [model.tree_] if hasattr(model, "tree_")',
        replacement="trees = [] if True",
        tests=(f"{CF_UNIT}::test_the_trees_split_is_read_in_the_columns_own_units",),
    ),
    Mutant(
        name="counterfactual: a column marked cannot change is changed",
        path="limelight/explainers/counterfactuals.py",
        original="mutable = [name for name in space.columns if name not in set(fixed)]",
        replacement="mutable = list(space.columns)",
        tests=(
            f"{CF_UNIT}::test_x1_marked_cannot_change_finds_none_and_names_x1",
            f"{CF_WEB}::test_age_marked_cannot_change_finds_nothing_and_says_age_blocks_it",
        ),
    ),
    Mutant(
        name="counterfactual: a way is kept whatever the model answers",
        path="limelight/explainers/counterfactual_search.py",
        original="reached = wanted > best_other",
        replacement="reached = wanted >= 0",
        tests=(
            f"{CF_UNIT}::test_every_counterfactual_is_checked_against_the_model",
            f"{CF_UNIT}::test_a_tree_deciding_on_x1_is_changed_only_in_x1_to_above_5",
        ),
    ),
    Mutant(
        name="counterfactual: whole numbers are suggested with decimals",
        path="limelight/explainers/counterfactual_space.py",
        original="        return np.round(values, self.decimals)",
        replacement="        return values",
        tests=(f"{CF_UNIT}::test_whole_numbers_stay_whole_and_categories_change_only_to_values_seen",),
    ),
    Mutant(
        name="counterfactual: the same columns moved by other amounts count as other ways",
        path="limelight/explainers/counterfactual_search.py",
        original="        if any(_same_way(pick, c, set(numbers)) for c in chosen):",
        replacement="        if False:",
        tests=(f"{CF_WEB}::test_the_form_finds_that_only_age_changes_to_51_and_the_page_shows_it_checked",),
    ),
    Mutant(
        name="counterfactual: no way found names no blocking column",
        path="limelight/explainers/counterfactuals.py",
        original="names = [name for name in fixed if name in used] or list(fixed)",
        replacement="names = []",
        tests=(
            f"{CF_UNIT}::test_x1_marked_cannot_change_finds_none_and_names_x1",
            f"{CF_WEB}::test_age_marked_cannot_change_finds_nothing_and_says_age_blocks_it",
        ),
    ),
    Mutant(
        name="counterfactual: the form's ranges are dropped",
        path="explanations/forms.py",
        original='return ranges_from_text(self.cleaned_data.get("value_ranges", ""))',
        replacement="return {}",
        tests=(f"{CF_WEB}::test_a_range_is_read_from_the_form_and_kept",),
    ),
    Mutant(
        name="counterfactual: the command line's --fixed is dropped",
        path=EXPLAIN_COMMAND,
        original='"fixed_columns": tuple(name.strip() for name in (options["fixed"] or "")',
        replacement='"fixed_columns": tuple(name.strip() for name in ("")',
        tests=(f"{CF_WEB}::test_the_command_line_prints_the_counterfactuals_document",),
    ),
    Mutant(
        name="counterfactual: an amount's goal turned the other way",
        path="limelight/explainers/counterfactual_search.py",
        original="return (amount > self.threshold) if self.above else (amount < self.threshold), amount",
        replacement="return (amount < self.threshold) if self.above else (amount > self.threshold), amount",
        tests=(
            f"{CF_UNIT}::test_an_amount_is_brought_above_and_below_a_value_by_the_smallest_change",
            f"{CF_WEB}::test_an_amount_is_brought_above_a_value_by_one_column_at_a_time",
        ),
    ),
    Mutant(
        name="counterfactual: ways that change with the seed still trusted",
        path=VERDICT,
        original="s.counterfactual_agreement < UNSTEADY,",
        replacement="s.counterfactual_agreement < 0,",
        tests=("tests/unit/test_counterfactual_verdict.py::test_ways_that_change_with_the_seed_ask_to_look_closer",),
    ),
    # Issue 28 (leak warnings: the detector, the verdict, training again without a column) — leaks.
    Mutant(
        name="leaks: a number column's tree cannot see blanks",
        path="limelight/leaks.py",
        original="inputs = np.column_stack([filled, blank])",
        replacement="inputs = np.column_stack([filled, np.zeros_like(blank)])",
        tests=(
            "tests/unit/test_leaks.py::"
            "test_a_column_filled_in_only_after_the_outcome_is_flagged_as_blank_for_one_class",
        ),
    ),
    Mutant(
        name="leaks: the threshold low enough to flag honest signals",
        path="limelight/leaks.py",
        original="LEAK_THRESHOLD = 0.95",
        replacement="LEAK_THRESHOLD = 0.75",
        tests=("tests/unit/test_leaks.py::test_honest_strong_signals_stay_quiet",),
    ),
    Mutant(
        name="leaks: a tiny hold-out is trusted",
        path="limelight/leaks.py",
        original="return len(test_rows) >= MIN_HELD_OUT and int(counts.min()) >= MIN_HELD_OUT_PER_CLASS",
        replacement="return True",
        tests=("tests/unit/test_leaks.py::test_a_hold_out_too_small_to_tell_says_nothing",),
    ),
    Mutant(
        name="leaks: a word's absence predicts what its presence does",
        path="limelight/leaks.py",
        original="if_absent = np.argmax((train_sizes - with_word) / train_sizes, axis=1)",
        replacement="if_absent = if_present",
        tests=("tests/unit/test_leaks.py::test_a_word_only_in_one_class_of_texts_is_flagged",),
    ),
    Mutant(
        name="leaks: image corners never looked at",
        path="limelight/leaks.py",
        original="""        masks[f"the colour of the picture's {name} corner"] = mask""",
        replacement="        pass",
        tests=("tests/unit/test_leaks.py::test_a_mark_in_one_corner_is_flagged_as_that_corner",),
    ),
    Mutant(
        name="leaks: every weight counts as leaned on, not the top three",
        path="limelight/leaks.py",
        original='key=lambda weight: -abs(weight["weight"]))[:top]',
        replacement='key=lambda weight: -abs(weight["weight"]))',
        tests=("tests/unit/test_leaks.py::test_an_explanation_leans_on_a_leak_among_its_top_reasons_or_in_its_rule",),
    ),
    Mutant(
        name="leaks: leaning on a leak is trusted",
        path="limelight/explainers/verdict.py",
        original="    if s.leaks:\n        check(",
        replacement="    if False:\n        check(",
        tests=(
            "tests/unit/test_leaks.py::test_leaning_on_a_leak_is_at_most_look_closer_with_the_reason",
            "tests/web/test_leaks.py::test_an_explanation_leaning_on_the_leak_says_so_and_is_not_trusted",
        ),
    ),
    Mutant(
        name="leaks: found but never stored on the model",
        path="classifiers/runs.py",
        original='"leaks": leaks,',
        replacement='"leaks": [],',
        tests=(
            "tests/web/test_leaks.py::"
            "test_the_model_page_says_which_column_gives_the_answer_away_and_trains_again_without_it",
            "tests/web/test_leaks.py::test_the_cli_lists_the_leaks_and_says_the_sentence",
        ),
    ),
    Mutant(
        name="leaks: training again without a column keeps it",
        path="limelight/training_settings.py",
        original="kept = [name for name in features if name not in self.left_out]",
        replacement="kept = features",
        tests=(
            "tests/web/test_leaks.py::"
            "test_the_model_page_says_which_column_gives_the_answer_away_and_trains_again_without_it",
        ),
    ),
    Mutant(
        name="leaks: an amount's column scored as if it predicted the average",
        path="limelight/leaks.py",
        original="score = r2(predicted)",
        replacement="score = r2(np.full(len(y_test), float(y_train.mean())))",
        tests=("tests/unit/test_leaks.py::test_an_amount_written_again_in_another_unit_is_flagged_by_its_r2",),
    ),
    Mutant(
        name="leaks: a word left out is still read",
        path="limelight/text/training.py",
        original='"" if match.group().lower() in leave_out else match.group()',
        replacement="match.group()",
        tests=(
            "tests/unit/test_leaks.py::test_a_word_left_out_is_taken_out_of_every_text_the_model_reads",
            "tests/web/test_leaks.py::test_a_text_model_is_trained_again_without_the_word_that_gives_the_topic_away",
        ),
    ),
    # Issue 25 (amounts, engine): the task rule, the adapter's band and scores, Anchors' band, the curves' tie,
    # the estimators each task accepts, the default target, the CLI's --band.
    Mutant(
        name="amounts: 21 different numbers are not yet an amount",
        path="limelight/tabular/tasks.py",
        original="if values is not None and values.nunique() >= AMOUNT_MIN_DISTINCT:",
        replacement="if values is not None and values.nunique() > AMOUNT_MIN_DISTINCT:",
        tests=(
            f"{AMOUNTS_UNIT}::test_many_numbers_are_an_amount_a_rating_may_be_either_yes_no_and_text_never_an_amount",
        ),
    ),
    Mutant(
        name="amounts: the default band is the whole 5-95% spread, not a tenth",
        path=AMOUNTS,
        original="return BAND_SHARE * spread",
        replacement="return spread",
        tests=(
            f"{AMOUNTS_UNIT}::test_the_default_band_is_a_tenth_of_the_5th_to_95th_percentile_spread",
            f"{AMOUNTS_WEB}::test_a_column_of_many_numbers_is_learned_as_an_amount_and_scored_in_its_unit",
        ),
    ),
    Mutant(
        name="amounts: the baseline predicts the hold-out's own mean",
        path=AMOUNTS,
        original='"baseline_mae": float(np.mean(np.abs(truths - mean))),',
        replacement='"baseline_mae": float(np.mean(np.abs(truths - truths.mean()))),',
        tests=(f"{AMOUNTS_UNIT}::test_scores_by_hand",),
    ),
    Mutant(
        name="amounts: the band has no upper end",
        path=AMOUNTS,
        original="inside = ((amounts >= self.low) & (amounts <= self.high)).astype(float)",
        replacement="inside = (amounts >= self.low).astype(float)",
        tests=(f"{AMOUNTS_UNIT}::test_in_band_is_a_yes_no_model_whose_second_column_is_inside",),
    ),
    Mutant(
        name="amounts: Anchors ignore the band the person set",
        path="explanations/runs.py",
        original=(
            'half = explanation.band_width if explanation.band_width is not None else model.metrics.get("default_band")'
        ),
        replacement='half = model.metrics.get("default_band")',
        tests=(f"{AMOUNTS_WEB}::test_anchors_of_an_amount_keep_the_prediction_in_the_band_the_person_set",),
    ),
    Mutant(
        name="amounts: the curves' tie stays 0.02 whatever the amount's spread",
        path=DELETION,
        original='tie=_AUC_TIE * amount_spread, quantity="amount"',
        replacement='tie=_AUC_TIE, quantity="amount"',
        tests=(f"{AMOUNTS_UNIT}::test_deletion_curves_of_an_amount_count_differences_against_its_spread",),
    ),
    Mutant(
        name="amounts: a table's amount is checked against the categories' models",
        path="classifiers/handlers/tabular.py",
        original="refused = wrong_task_message(classifier, task, regressors if task == REGRESSION else classifiers)",
        replacement="refused = wrong_task_message(classifier, task, classifiers)",
        tests=(
            f"{AMOUNTS_WEB}::test_a_column_of_many_numbers_is_learned_as_an_amount_and_scored_in_its_unit",
            f"{AMOUNTS_WEB}::test_an_estimator_of_the_other_task_is_refused_with_the_ones_to_pick",
        ),
    ),
    Mutant(
        name="amounts: a file of measurements alone has no default target",
        path=TARGETS,
        original="if _amount_failure(frame, profile.name) is None:\n                return profile.name",
        replacement="if False:\n                return profile.name",
        tests=(f"{PROFILING_UNIT}::test_an_amount_is_preselected_only_when_no_category_fits",),
    ),
    Mutant(
        name="amounts: the command line's --band is dropped",
        path=EXPLAIN_COMMAND,
        original='band_width=_amount_band(model, options.get("band")),',
        replacement="band_width=None,",
        tests=(f"{AMOUNTS_WEB}::test_the_cli_predicts_an_amount_with_its_scores_and_an_anchor_band",),
    ),
    Mutant(
        name="amounts: a demo's own target is not preselected",
        path="classifiers/handlers/tabular.py",
        original="if demo is not None and demo.target in [profile.name for profile in profiles]:",
        replacement="if False:",
        tests=(f"{AMOUNTS_WEB}::test_the_diabetes_demo_preselects_its_amount_and_trains_it",),
    ),
    # Issue 27, the whole model at a glance (pages): the report job's cache, its queue, access, share and download.
    Mutant(
        name="whole-model report: kept after a new explanation finished",
        path="explanations/services.py",
        original='"inputs": report_inputs(model)}',
        replacement='"inputs": ""}',
        tests=(f"{REPORT_WEB}::test_a_report_is_reused_until_new_explanations_finish_or_another_column_is_asked",),
    ),
    Mutant(
        name="whole-model report: a failed report is served again",
        path="explanations/services.py",
        original="cached = ModelReport.objects.filter(**key).exclude(status=JobStatus.FAILED).first()",
        replacement="cached = ModelReport.objects.filter(**key).first()",
        tests=(f"{REPORT_WEB}::test_a_failed_report_is_asked_for_again_and_says_why",),
    ),
    Mutant(
        name="whole-model report: queued with the explanations",
        path="explainer_site/celery.py",
        original='"explanations.overview", "explanations.report")',
        replacement='"explanations.overview")',
        tests=(f"{QUEUES_INTEGRATION}::test_a_message_for_each_kind_of_job_lands_on_its_own_queue",),
    ),
    Mutant(
        name="whole-model report: anyone's report by its number",
        path="explanations/selectors.py",
        original='ModelReport.objects.select_related("model__dataset"), pk=pk, model__dataset__owner=user)',
        replacement='ModelReport.objects.select_related("model__dataset"), pk=pk)',
        tests=(f"{REPORT_WEB}::test_someone_elses_report_is_not_found_and_a_visitor_is_asked_to_log_in",),
    ),
    Mutant(
        name="whole-model report: the download opens inside the site",
        path="explanations/report_presenter.py",
        original="f'attachment; filename=",
        replacement="f'inline; filename=",
        tests=(f"{REPORT_WEB}::test_the_download_is_one_file_that_needs_nothing_from_anywhere",),
    ),
    Mutant(
        name="whole-model report: a share link's page shows what the owner sees",
        path="explanations/shared.py",
        original="            disclosure=link.disclosure,\n        ),",
        replacement="            disclosure=None,\n        ),",
        tests=(f"{REPORT_WEB}::test_a_shared_report_names_no_case_and_no_true_value_unless_ticked",),
    ),
    Mutant(
        name="whole-model report: a share link's download is the owner's file",
        path="explanations/shared.py",
        original="report_presenter.shared_html(link.report, link.disclosure)",
        replacement="report_presenter.stored_html(link.report)",
        tests=(f"{REPORT_WEB}::test_a_shared_report_names_no_case_and_no_true_value_unless_ticked",),
    ),
    Mutant(
        name="whole-model report: a share link names an explanation's chart by its database id",
        path="explanations/report_presenter.py",
        original='        shown["chart"] = f"case-{index}.svg"',
        replacement="        pass",
        tests=(f"{REPORT_WEB}::test_a_shared_report_names_no_case_and_no_true_value_unless_ticked",),
    ),
    Mutant(
        name="whole-model report: a share link quotes the file's class inside a verdict",
        path="explanations/report_presenter.py",
        original='        shown.update({key: item.get(f"shared_{key}", "") for key in _SHARED if key in item})',
        replacement="        pass",
        tests=(f"{REPORT_WEB}::test_a_shared_report_names_no_case_and_no_true_value_unless_ticked",),
    ),
    Mutant(
        name="whole-model report: a verdict for a link read with the true value",
        path="explanations/whole_model.py",
        original="verdict, shared = verdict_of(explanation), verdict_of(explanation, NOTHING_EXTRA)",
        replacement="verdict, shared = verdict_of(explanation), verdict_of(explanation)",
        tests=(f"{REPORT_WEB}::test_a_shared_report_names_no_case_and_no_true_value_unless_ticked",),
    ),
    # Issue 25 (amounts: every page) — amounts-pages.
    Mutant(
        name="amounts: numbers lose their significant digits",
        path="limelight/amount_words.py",
        original="decimals = max(0, SIGNIFICANT - 1 - magnitude)",
        replacement="decimals = 0",
        tests=("tests/unit/test_amount_words.py::test_numbers_keep_three_significant_digits_and_group_thousands",),
    ),
    Mutant(
        name="amounts: a model no closer than the average is not flagged",
        path="limelight/amount_words.py",
        original="return self.mae >= self.baseline_mae or self.r2 <= 0",
        replacement="return False",
        tests=(
            "tests/unit/test_amount_words.py::test_a_model_no_closer_than_the_average_is_flagged_and_few_rows_are_said",
            f"{AMOUNT_PAGES}::test_a_model_no_closer_than_the_average_is_flagged_on_its_pages",
        ),
    ),
    Mutant(
        name="amounts: the chart's baseline drawn at the predictions' mean",
        path="limelight/drawing/charts.py",
        original="            ax.axhline(\n                baseline,",
        replacement="            ax.axhline(\n                float(np.mean(predicted)),",
        tests=(
            "tests/unit/test_charts.py::"
            "test_predicted_against_actual_draws_the_diagonal_the_baseline_and_every_finite_pair",
        ),
    ),
    Mutant(
        name="amounts: every reason said to add",
        path="explanations/presenters.py",
        original='effect=effect_words(w["weight"], unit),',
        replacement='effect=effect_words(abs(w["weight"]), unit),',
        tests=(f"{AMOUNT_PAGES}::test_lime_for_an_amount_reads_in_grams",),
    ),
    Mutant(
        name="amounts: the row picker shows bare numbers",
        path="classifiers/selectors.py",
        original="prediction, correct = amount_text(predicted, unit),",
        replacement="prediction, correct = display_value(round(predicted, 4)),",
        tests=(f"{AMOUNT_PAGES}::test_the_model_page_says_the_error_in_grams_beside_the_average_and_draws_the_chart",),
    ),
    Mutant(
        name="amounts: a far-off row is said to be near",
        path="explanations/verdicts.py",
        original="correct=off <= band, off_by=",
        replacement="correct=True, off_by=",
        tests=(f"{AMOUNT_PAGES}::test_lime_for_an_amount_reads_in_grams",),
    ),
    Mutant(
        name="amounts: the form offers classifiers for amounts",
        path="classifiers/forms.py",
        original="ESTIMATOR_TASKS = _tasks_learnt(CLASSIFIERS, REGRESSORS)",
        replacement="ESTIMATOR_TASKS = _tasks_learnt(CLASSIFIERS, CLASSIFIERS)",
        tests=(f"{AMOUNT_PAGES}::test_the_training_form_says_the_task_and_offers_the_switch_and_models_that_fit",),
    ),
    Mutant(
        name="amounts: a band of 0 is let through",
        path="explanations/request_settings.py",
        original="if self.band_width <= 0:",
        replacement="if self.band_width < 0:",
        tests=(f"{AMOUNT_PAGES}::test_a_bad_band_is_said_in_a_sentence_never_a_500",),
    ),
    Mutant(
        name="amounts: the rule's CSV drops its band",
        path="explanations/exports.py",
        original='kept = [result.get("value"), *band]',
        replacement='kept = [result.get("value")]',
        tests=(f"{AMOUNT_PAGES}::test_a_rule_for_an_amount_keeps_its_prediction_in_a_band_said_in_grams",),
    ),
    Mutant(
        name="amounts: a share link's model page hides the warnings",
        path="templates/shared/model.html",
        original="{% for warning in scores.warnings %}",
        replacement="{% for warning in scores.nothing %}",
        tests=(f"{AMOUNT_PAGES}::test_a_model_no_closer_than_the_average_is_flagged_on_its_pages",),
    ),
    Mutant(
        name="amounts: the trust checks' curves drawn as probabilities",
        path="explanations/trust.py",
        original='unit="features", **amount_unit',
        replacement='unit="features"',
        tests=(f"{AMOUNT_PAGES}::test_from_the_form_to_the_pages_through_the_real_training_and_explainers",),
    ),
    Mutant(
        name="amounts: the training form offers every model whatever the task",
        path="static/js/task-switch.js",
        original="option.disabled = !fits;",
        replacement="option.disabled = false;",
        tests=(
            "tests/e2e/test_amount_pages.py::test_the_task_switch_follows_the_column_and_amount_pages_read_in_grams",
        ),
    ),
    Mutant(
        name="amounts: a text model is offered the table's models",
        path="static/js/task-switch.js",
        original='var reads = text && text.value ? "data-text-tasks" : "data-tasks";',
        replacement='var reads = "data-tasks";',
        tests=("tests/e2e/test_amount_pages.py::test_reading_a_text_the_switch_offers_the_text_models_of_the_task",),
    ),
    # Issue 29, a photo explained in seconds: the INT8 network, early stopping, reused hidden sets, time left.
    Mutant(
        name="int8 network quantises the first depthwise convolution too",
        path="limelight/images/quantised.py",
        original='    "_blocks.0._depthwise_conv",\n',
        replacement="",
        tests=(f"{NETWORK_UNIT}::test_the_int8_network_keeps_the_reference_features_and_top_classes",),
    ),
    Mutant(
        name="image LIME stops early whether or not the top regions settled",
        path=LIME_IMAGE,
        original="top_jaccard((recent[0], later), TOP_K, NEGLIGIBLE_SHARE) == 1.0",
        replacement="top_jaccard((recent[0], later), TOP_K, NEGLIGIBLE_SHARE) >= 0.0",
        tests=(f"{IMAGE_UNIT}::test_an_answer_that_never_settles_uses_every_planned_sample",),
    ),
    Mutant(
        name="image LIME stops at the first check",
        path=LIME_IMAGE,
        original="STABLE_CHECKS = 3",
        replacement="STABLE_CHECKS = 1",
        tests=(f"{IMAGE_UNIT}::test_an_answer_that_never_settles_uses_every_planned_sample",),
    ),
    Mutant(
        name="image LIME shows a repeated hidden set to the model again",
        path=LIME_IMAGE,
        original="new = list({key: i for i, key in enumerate(keys) if key not in answers}.values())",
        replacement="new = list(range(len(keys)))",
        tests=(f"{IMAGE_UNIT}::test_a_repeated_hidden_set_is_shown_to_the_model_once",),
    ),
    Mutant(
        name="image LIME's early stop keeps sampling after it decided to stop",
        path=LIME_IMAGE,
        original="                break\n",
        replacement="                pass\n",
        tests=(f"{IMAGE_UNIT}::test_stopping_when_stable_gives_what_that_many_samples_give",),
    ),
    Mutant(
        name="progress never says the time left",
        path="jobs/services.py",
        original='shown = f"{self._stage} · {left}" if left else self._stage',
        replacement="shown = self._stage",
        tests=(
            "tests/web/test_photo_progress.py::test_a_photo_explanations_progress_counts_copies_and_says_the_time_left",
        ),
    ),
    Mutant(
        name="time left from the steps done, not those left",
        path="jobs/services.py",
        original="left = seconds / done * remaining",
        replacement="left = seconds / done * (done + remaining)",
        tests=("tests/web/test_photo_progress.py::test_time_left_is_the_pace_so_far_times_the_steps_left",),
    ),
    # Issue 28, the classroom experiment: lessons whose leak is real, a vote that counts each browser once.
    Mutant(
        name="classroom: the snow falls on wolves and huskies alike in the leaky pictures",
        path="limelight/classroom/material.py",
        original="per_class=80, snow_given_wolf=0.97, snow_given_husky=0.03",
        replacement="per_class=80, snow_given_wolf=0.5, snow_given_husky=0.5",
        tests=(
            f"{CLASSROOM_UNIT}::test_the_leaky_model_looks_better_and_falls_apart_on_the_clean_test[snow]",
            f"{CLASSROOM_UNIT}::test_the_leaky_snow_model_calls_a_husky_on_snow_a_wolf_and_points_at_the_snow",
        ),
    ),
    Mutant(
        name="classroom: both topics signed by Hermes in the leaky messages",
        path="limelight/classroom/material.py",
        original="signature_given_space=0.98, signature_given_medicine=0.02",
        replacement="signature_given_space=0.98, signature_given_medicine=0.98",
        tests=(f"{CLASSROOM_UNIT}::test_the_leaky_headers_model_reads_the_signature_word",),
    ),
    Mutant(
        name="classroom: the clean test still knows the discharge code",
        path="limelight/classroom/material.py",
        original="    test[LEAK] = np.nan",
        replacement="    test[LEAK] = stays_frame(seed * 10 + 4, rows=400, leak=True)[LEAK]",
        tests=(f"{CLASSROOM_UNIT}::test_the_leaky_model_looks_better_and_falls_apart_on_the_clean_test[hospital]",),
    ),
    Mutant(
        name="classroom: the showcase drawn among the training rows",
        path="limelight/classroom/material.py",
        original='return np.sort(holdout_split(truths, random_state=0, too_few="{n_classes}")[1])',
        replacement='return np.sort(holdout_split(truths, random_state=0, too_few="{n_classes}")[0])',
        tests=(f"{CLASSROOM_UNIT}::test_the_showcase_cases_are_held_out_by_both_models",),
    ),
    Mutant(
        name="classroom: the clean test counts every answer as right",
        path="limelight/classroom/scoring.py",
        original="correct = int(np.sum(predicted == truths))",
        replacement="correct = len(truths)",
        tests=(f"{CLASSROOM_UNIT}::test_clean_test_scores_count_by_hand",),
    ),
    Mutant(
        name="classroom: a browser gets a new voter id with every vote",
        path="classroom/views.py",
        original="voter = request.get_signed_cookie(VOTER_COOKIE, default=None, salt=VOTER_SALT)",
        replacement="voter = secrets.token_hex()",
        tests=(f"{CLASSROOM_WEB}::test_one_vote_per_browser_and_none_after_the_reveal",),
    ),
    Mutant(
        name="classroom: votes still count after the reveal",
        path="classroom/services.py",
        original="    if session.revealed:\n",
        replacement="    if False:\n",
        tests=(f"{CLASSROOM_WEB}::test_one_vote_per_browser_and_none_after_the_reveal",),
    ),
    Mutant(
        name="classroom: votes are not rate-limited",
        path="classroom/views.py",
        original="        if _too_many_votes(request):",
        replacement="        if False:",
        tests=(f"{CLASSROOM_WEB}::test_votes_are_rate_limited_per_address",),
    ),
    Mutant(
        name="classroom: another user's session opens",
        path="classroom/selectors.py",
        original="ClassSession.objects.filter(pk=pk, owner=user)",
        replacement="ClassSession.objects.filter(pk=pk)",
        tests=(f"{CLASSROOM_WEB}::test_only_the_owner_sees_the_projector_and_reveals",),
    ),
    Mutant(
        name="classroom: the clean test shown before the reveal",
        path="templates/classroom/_column.html",
        original="{% if session.revealed and column.clean %}",
        replacement="{% if column.clean %}",
        tests=(f"{CLASSROOM_WEB}::test_the_hospital_session_shows_the_leak_and_the_reveal",),
    ),
    Mutant(
        name="classroom: 'mostly because of' names the largest weight, even one against the answer",
        path="classroom/selectors.py",
        original="next((reason for reason in view.reasons if reason.toward), None)",
        replacement="next(iter(view.reasons), None)",
        tests=(f"{CLASSROOM_WEB}::test_mostly_because_of_names_the_strongest_reason_toward_the_answer",),
    ),
    Mutant(
        name="classroom: the vote page sends no Referer, so Chromium's vote fails the CSRF check",
        path="classroom/views.py",
        original='VOTE_HEADERS = SHARED_HEADERS | {"Referrer-Policy": "same-origin"}',
        replacement="VOTE_HEADERS = SHARED_HEADERS",
        tests=(f"{CLASSROOM_E2E}::test_two_phones_vote_and_the_projector_reveals",),
    ),
    Mutant(
        name="classroom: the projector's count does not follow the votes",
        path="static/js/classroom.js",
        original="if (count) { count.textContent = results[name]; }",
        replacement="",
        tests=(f"{CLASSROOM_E2E}::test_two_phones_vote_and_the_projector_reveals",),
    ),
    Mutant(
        name="classroom: a session tried again trains its models again",
        path="classroom/runs.py",
        original="    if done is not None and done.succeeded:\n",
        replacement="    if False:\n",
        tests=(f"{CLASSROOM_WEB}::test_a_session_tried_again_keeps_the_models_already_trained",),
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
