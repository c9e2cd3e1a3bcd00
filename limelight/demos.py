"""Every one-click demo table, whatever its kind, behind one registry."""

from __future__ import annotations

from dataclasses import dataclass

from .tabular import demos as table_demos
from .text.demos import text_demo_csv_bytes


@dataclass(frozen=True)
class DemoEntry:
    slug: str
    title: str
    description: str
    target: str
    filename: str
    text_column: str = ""  # set for a text demo: the column the model reads


DEMOS: dict[str, DemoEntry] = {
    slug: DemoEntry(demo.slug, demo.title, demo.description, demo.target, demo.filename)
    for slug, demo in table_demos.DEMOS.items()
}
DEMOS["reviews"] = DemoEntry(
    slug="reviews",
    title="Reviews (made up)",
    description=(
        "Each row is a short invented review of a film or a restaurant, labelled positive or negative. "
        "A few words decide it (wonderful, terrible, not great…): a good explanation highlights them "
        "and not the small talk around them."
    ),
    target="sentiment",
    filename="reviews.csv",
    text_column="review",
)


DEMOS["shapes"] = DemoEntry(
    slug="shapes",
    title="Shapes (made up images)",
    description=(
        "A ZIP of small pictures of circles, squares and triangles on a noisy background, one folder "
        "per shape. The shape decides the class: a good explanation outlines the shape, not the "
        "background."
    ),
    target="class",
    filename="shapes.zip",
)


def demo_bytes(slug: str) -> bytes:
    """The demo as the file a user would upload (CSV, or ZIP for images), for the same path."""
    if slug == "reviews":
        return text_demo_csv_bytes()
    if slug == "shapes":
        # Drawing the pictures needs scikit-image: loaded when a user asks for this demo, not at start.
        from .images.demos import demo_archive_bytes

        return demo_archive_bytes()
    return table_demos.demo_csv_bytes(slug)
