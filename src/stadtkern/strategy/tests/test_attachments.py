"""Documents on goals and measures: PDFs and pictures only (by content, not by name),
at most 10 MB, seen where the object is seen, served so that no browser runs them."""

import io

import pytest
from PIL import Image

from stadtkern.strategy import attachments, services
from stadtkern.strategy.models import Attachment

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _file(data: bytes, name: str) -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = name
    return f


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (30, 20), "#3c7dd9").save(out, "PNG", pnginfo=None)
    return out.getvalue()


@pytest.fixture
def measure(alpha, personas):
    return services.measure_create(municipality=alpha, user=personas["editor"], title="Radnetz",
                                   published=True)  # fmt: skip


@pytest.fixture
def draft(alpha, personas):
    return services.measure_create(municipality=alpha, user=personas["editor"], title="Entwurf")


def _url(obj, suffix=""):
    return f"/m/alpha/measures/{obj.pk}/attachments/{suffix}"


def test_an_editor_attaches_a_pdf_and_a_picture_that_everyone_gets_safely(
    client, measure, personas
):
    client.force_login(personas["editor"])
    client.post(_url(measure), {"title": "Ratsbeschluss 2026", "file": _file(PDF, "beschluss.pdf")})
    client.post(_url(measure), {"title": "Graphic Recording", "file": _file(_png(), "bild.png")})
    pdf, picture = Attachment.objects.order_by("id")
    assert (pdf.content_type, picture.content_type) == ("application/pdf", "image/png")
    client.logout()
    page = client.get(f"/m/alpha/measures/{measure.pk}/").content.decode()
    assert "Ratsbeschluss 2026" in page and 'alt="Graphic Recording"' in page
    got = client.get(_url(measure, f"{pdf.pk}/"))
    assert got.content == PDF and got["Content-Type"] == "application/pdf"
    assert got["Content-Disposition"].startswith("attachment;")
    assert (
        got["X-Content-Type-Options"] == "nosniff" and "sandbox" in got["Content-Security-Policy"]
    )
    assert client.get(_url(measure, f"{picture.pk}/"))["Content-Disposition"].startswith("inline;")


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"<html><script>alert(1)</script></html>", "bericht.pdf"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "bild.png"),
        (b"\x89PNG\r\n\x1a\n" + b"kein Bild", "kaputt.png"),
        (b"", "leer.pdf"),
        (b"PK\x03\x04 ein Archiv", "daten.pdf"),
    ],
)
def test_anything_but_a_pdf_or_a_real_picture_is_refused(client, measure, personas, data, name):
    client.force_login(personas["editor"])
    response = client.post(_url(measure), {"title": "x", "file": _file(data, name)}, follow=True)
    assert response.status_code == 200 and not Attachment.objects.exists()
    assert "error" in response.content.decode()


def test_too_large_files_are_refused_before_they_are_read(client, measure, personas, monkeypatch):
    monkeypatch.setattr(attachments, "MAX_BYTES", 100)
    client.force_login(personas["editor"])
    client.post(_url(measure), {"title": "gross", "file": _file(PDF + b" " * 200, "gross.pdf")})
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("persona", ["anonymous", "viewer", "other_editor"])
def test_only_the_municipality_s_editors_attach_or_remove(client, measure, personas, persona):
    client.force_login(personas["editor"])
    client.post(_url(measure), {"title": "Beschluss", "file": _file(PDF, "b.pdf")})
    found = Attachment.objects.get()
    client.logout()
    if personas[persona]:
        client.force_login(personas[persona])
    client.post(_url(measure), {"title": "Fremd", "file": _file(PDF, "f.pdf")})
    client.post(_url(measure, f"{found.pk}/remove/"))
    assert list(Attachment.objects.values_list("title", flat=True)) == ["Beschluss"]


def test_a_draft_s_documents_are_the_members_alone(client, draft, personas):
    client.force_login(personas["editor"])
    client.post(_url(draft), {"title": "Intern", "file": _file(PDF, "i.pdf")})
    found = Attachment.objects.get()
    client.logout()
    assert client.get(_url(draft, f"{found.pk}/")).status_code == 404
    client.force_login(personas["other_editor"])
    assert client.get(_url(draft, f"{found.pk}/")).status_code == 404
    client.force_login(personas["viewer"])
    assert client.get(_url(draft, f"{found.pk}/")).status_code == 200


def test_a_document_is_reached_only_through_its_own_object(client, measure, draft, personas):
    client.force_login(personas["editor"])
    client.post(_url(draft), {"title": "Intern", "file": _file(PDF, "i.pdf")})
    found = Attachment.objects.get()
    client.logout()
    # Through the published measure's address, the draft's document stays hidden.
    assert client.get(_url(measure, f"{found.pk}/")).status_code == 404
    assert client.get(f"/m/alpha/widgets/{measure.pk}/attachments/{found.pk}/").status_code == 404


def test_control_characters_leave_the_title_and_deleting_the_measure_deletes_its_documents(
    client, measure, personas
):
    client.force_login(personas["editor"])
    client.post(_url(measure), {"title": "Rats\x00beschluss\x1b", "file": _file(PDF, "b.pdf")})
    assert Attachment.objects.get().title == "Ratsbeschluss"
    client.post(f"/m/alpha/measures/{measure.pk}/delete/")
    assert not Attachment.objects.exists()
