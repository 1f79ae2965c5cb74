"""Input types shared by every API schema: bounded ids, clean text, slugs."""

from typing import Annotated

from pydantic import AfterValidator, Field

from stadtkern.core.text import has_controls

BIGINT_MAX = 2**63 - 1
INT_MAX = 2**31 - 1


def _clean_text(value: str) -> str:
    # PostgreSQL cannot store NUL, and lone surrogates cannot be encoded as UTF-8.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    if has_controls(value):
        # XML (charts, the RDF catalogue) cannot carry them; no title or text needs them.
        raise ValueError("must not contain control characters other than tab and line breaks")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


Id = Annotated[int, Field(ge=1, le=BIGINT_MAX)]
Position = Annotated[int, Field(ge=0, le=INT_MAX)]
Slug = Annotated[str, Field(pattern=r"^[-a-zA-Z0-9_]+$", max_length=80)]


def text(max_length: int, min_length: int = 0):
    """Return a text type that rejects NUL and broken Unicode and strips nothing."""
    return Annotated[
        str, Field(min_length=min_length, max_length=max_length), AfterValidator(_clean_text)
    ]


Title = text(200, 1)
OptionalTitle = text(200)
LongText = text(10000)
SearchText = text(200)
