"""Charts drawn on the server (matplotlib, SVG and PNG) in one colour-blind-safe palette; no Django."""
