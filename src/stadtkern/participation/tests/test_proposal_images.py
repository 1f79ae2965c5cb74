"""Pictures of proposals: re-encoded without EXIF (no GPS of a citizen's phone leaks),
only images, only with a description, only by the author."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from PIL import Image

from stadtkern.participation import services
from stadtkern.participation.models import PhaseKind

from .conftest import make_process

pytestmark = pytest.mark.django_db


def photo_with_gps(fmt="JPEG") -> bytes:
    picture = Image.new("RGB", (3000, 2000), (40, 120, 60))
    exif = Image.Exif()
    exif[0x010F] = "Phone maker"  # Make
    exif[0x8825] = {1: "N", 2: (51.0, 27.0, 0.0), 3: "E", 4: (6.0, 37.0, 0.0)}  # GPS
    out = io.BytesIO()
    picture.save(out, fmt, exif=exif)
    return out.getvalue()


@pytest.fixture
def proposal(alpha, people):
    process = make_process(alpha, running=PhaseKind.PROPOSALS, slug="ideen")
    return services.proposal_create(
        process=process, user=people["citizen"], title="Bank", description="Am Markt."
    )


def test_a_picture_is_stored_smaller_and_without_its_metadata(proposal, people):
    original = photo_with_gps()
    assert b"Phone maker" in original
    services.proposal_image_set(
        proposal=proposal, user=people["citizen"], data=original, alt="Leere Ecke am Markt"
    )
    stored = bytes(proposal.image)
    with Image.open(io.BytesIO(stored)) as picture:
        assert picture.format == "JPEG" and max(picture.size) == 1600
        assert not picture.getexif()
    assert b"Phone maker" not in stored and proposal.image_type == "image/jpeg"


@pytest.mark.parametrize(
    ("data", "alt", "field"),
    [
        (b"%PDF-1.7 not a picture", "x", "image"),
        (b"GIF89a" + b"\x00" * 20, "x", "image"),
        (photo_with_gps(), "   ", "image_alt"),
    ],
)
def test_anything_but_a_described_picture_is_refused(proposal, people, data, alt, field):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.proposal_image_set(proposal=proposal, user=people["citizen"], data=data, alt=alt)
    assert list(caught.value.message_dict) == [field]
    proposal.refresh_from_db()
    assert proposal.image is None


def test_only_the_author_adds_a_picture(proposal, people):
    with pytest.raises(PermissionDenied):
        services.proposal_image_set(
            proposal=proposal, user=people["verified"], data=photo_with_gps("PNG"), alt="x"
        )


def test_the_picture_is_uploaded_by_api_and_served_with_its_description(
    client, proposal, people, token_for
):
    response = client.post(
        f"/api/v1/participation/proposals/{proposal.pk}/image",
        {"image": io.BytesIO(photo_with_gps("PNG")), "alt": "Leere Ecke am Markt"},
        **token_for(people["citizen"]),
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"image": True, "image_alt": "Leere Ecke am Markt"}
    other = client.post(
        f"/api/v1/participation/proposals/{proposal.pk}/image",
        {"image": io.BytesIO(photo_with_gps("PNG")), "alt": "Fremd"},
        **token_for(people["verified"]),
    )
    assert other.status_code == 403
    page = client.get(f"/m/alpha/participation/ideen/proposals/{proposal.pk}/").content.decode()
    assert 'alt="Leere Ecke am Markt"' in page
    image = client.get(f"/m/alpha/participation/ideen/proposals/{proposal.pk}/image")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(image.content)) as picture:
        assert max(picture.size) == 1600 and not picture.getexif()
