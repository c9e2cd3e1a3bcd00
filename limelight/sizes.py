"""One unit for sizes: a megabyte is 1,000,000 bytes, in limits and in the sentences that state them.

Settings read ``*_MB`` variables with :data:`MB`, and messages print sizes with
:func:`size_text`, so "the limit is 50 MB" means exactly the limit applied.
"""

MB = 1_000_000
KB = 1_000


def size_text(n_bytes: float, *, decimals: int = 0) -> str:
    """12_345_678 -> "12 MB"; 45_000 -> "45 kB"."""
    if n_bytes >= MB:
        return f"{n_bytes / MB:,.{decimals}f} MB"
    return f"{n_bytes / KB:,.{decimals}f} kB"
