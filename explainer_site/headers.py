"""The security headers every response carries, static files included (no Django imports:
settings.py hands :func:`static_file_headers` to WhiteNoise)."""

POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def static_file_headers(headers, path: str, url: str) -> None:
    """WhiteNoise answers a static file before any later middleware runs: give it the pages' guards."""
    headers["Content-Security-Policy"] = POLICY
    headers["X-Frame-Options"] = "DENY"
