"""Text as the product keeps it: without the control characters that XML (SVG charts, the
RDF catalogue) cannot carry. Tab, line feed and carriage return stay."""

_CONTROLS = {c: None for c in range(32) if c not in (9, 10, 13)} | {0xFFFE: None, 0xFFFF: None}


def without_controls(text: str) -> str:
    return text.translate(_CONTROLS)


def has_controls(text: str) -> bool:
    return without_controls(text) != text
