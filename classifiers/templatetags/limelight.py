"""Small template filters used across the pages."""

from django import template

register = template.Library()


@register.filter
def percent(value: float | None, digits: int = 1) -> str:
    """0.8734 -> "87.3%"."""
    if value is None:
        return ""
    return f"{100 * float(value):.{digits}f}%"


@register.filter
def lookup_field(form, index: int):
    """The bound field `column_<index>` of a form (templates cannot build names)."""
    return form[f"column_{index}"]


@register.filter
def count(value: int | None) -> str:
    """2000 -> "2,000"."""
    return "" if value is None else f"{int(value):,}"
