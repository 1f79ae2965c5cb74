"""The AGS validator accepts exactly the 8-digit keys of the 16 Länder."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from stadtkern.core.services import municipality_create
from stadtkern.core.validators import validate_ags


@given(land=st.integers(1, 16), rest=st.from_regex(r"[0-9]{6}", fullmatch=True))
def test_every_land_key_followed_by_six_digits_is_accepted(land, rest):
    validate_ags(f"{land:02d}{rest}")


@given(st.text(max_size=12))
def test_anything_else_is_refused(value):
    valid = len(value) == 8 and value.isascii() and value.isdigit() and 1 <= int(value[:2]) <= 16
    if valid:
        validate_ags(value)
    else:
        with pytest.raises(ValidationError):
            validate_ags(value)


@pytest.mark.django_db
def test_landkreis_needs_an_ags_ending_in_000():
    with pytest.raises(ValidationError) as exc:
        municipality_create(
            name="Kreis", slug="kreis", ags="05170024", kind="landkreis", state="05"
        )
    assert "ags" in exc.value.message_dict


@pytest.mark.django_db
def test_verbund_may_have_no_ags():
    verbund = municipality_create(name="Smart Region", slug="region", kind="verbund", state="05")
    assert verbund.ags is None
