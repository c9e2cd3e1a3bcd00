"""Small template filters used across the pages."""

from django import template

from limelight import amount_words
from limelight.amounts import unit_of
from limelight.explainers.choices import SEGMENTER_WORDS
from limelight.explainers.conditions import condition_in_words
from limelight.holdout import percent as share_percent
from limelight.rows import row_number as _row_number

register = template.Library()


@register.filter
def percent(value: float | None, digits: int = 1) -> str:
    """0.8734 -> "87.3%"."""
    if value is None:
        return ""
    return f"{100 * float(value):.{digits}f}%"


@register.filter
def whole_percent(value: float | None) -> str:
    """A percentage (0 to 100) in whole percent, never a bare 100% or 0% it did not reach:
    99.6 -> "over 99%" (limelight.holdout.percent)."""
    return "" if value is None else share_percent(float(value) / 100)


@register.filter
def lookup_field(form, index: int):
    """The bound field `column_<index>` of a form (templates cannot build names)."""
    return form[f"column_{index}"]


@register.filter
def count(value: int | None) -> str:
    """2000 -> "2,000"."""
    return "" if value in (None, "") else f"{int(value):,}"  # "": a variable the page does not have


@register.filter
def counted(value: int | None, noun: str) -> str:
    """A count and its noun in agreement, thousands grouped: (1, "row") -> "1 row",
    (1234, "row") -> "1,234 rows", (3, "class,classes") -> "3 classes" (the plural after a comma)."""
    if value in (None, ""):  # "": a variable the page does not have
        return ""
    singular, _, plural = noun.partition(",")
    number = int(value)
    return f"{number:,} {singular if number == 1 else plural or singular + 's'}"


@register.filter
def row_number(index: int | None) -> int | str:
    """A 0-based row index as the page shows it (limelight.rows: the first data row is 1)."""
    return "" if index is None else _row_number(index)


@register.filter
def in_words(condition: str) -> str:
    """An explainer's condition as a phrase: "glucose > 120.00" -> "glucose above 120"."""
    return condition_in_words(condition)


@register.filter
def segmenter_words(name: str) -> str:
    """How an image was cut into regions, in plain words first: "compact regions of similar size (SLIC)"."""
    return SEGMENTER_WORDS.get(name, name)


@register.filter
def amount_scores(model) -> amount_words.AmountScores | None:
    """An amount model's hold-out scores with their sentences (limelight.amount_words); None otherwise."""
    if not getattr(model, "predicts_amount", False) or not model.succeeded:
        return None
    return amount_words.amount_scores(
        model.metrics, target=model.target, unit=unit_of(model.target), cases=model.data_kind.words.cases
    )


@register.filter
def amount(value: float | None, model) -> str:
    """A number in the unit of the model's target: (4213.7, a body_mass_g model) -> "4,214 g"."""
    return "" if value in (None, "") else amount_words.amount(float(value), unit_of(model.target))


@register.filter
def signed_amount(value: float | None, model) -> str:
    """An effect on the model's amount with its sign: "+650 g", "−12 g"."""
    return "" if value in (None, "") else amount_words.signed_amount(float(value), unit_of(model.target))


@register.filter
def amount_effect(value: float | None, model) -> str:
    """What a reason does to the model's amount: "adds about 650 g"."""
    return "" if value in (None, "") else amount_words.effect_words(float(value), unit_of(model.target))


@register.filter
def target_unit(model) -> str:
    """The unit the model's target carries in its name ("body_mass_g" -> "g"), or ""."""
    return unit_of(model.target)


@register.filter
def has_category_models(models) -> bool:
    """Whether any of these models picks categories (the comparison table then shows their scores)."""
    return any(not getattr(model, "predicts_amount", False) for model in models)
