"""Administration without Django's admin: members and roles, invitations by e-mail with a
one-time link, the base map, new municipalities; every change audited and readable."""

import re
import socket
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from conftest import PASSWORD
from stadtkern.core.models import AuditEntry, Invitation, Membership, Municipality, Role, User

pytestmark = pytest.mark.django_db

SETTINGS = "/m/alpha/settings/"


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 302), ("viewer", 403), ("editor", 403), ("other_editor", 403),
     ("admin", 200), ("staff", 200)],
)  # fmt: skip
def test_only_administrators_reach_the_page(client, personas, persona, status):
    if personas[persona]:
        client.force_login(personas[persona])
    assert client.get(SETTINGS).status_code == status


@pytest.mark.parametrize("persona", ["anonymous", "viewer", "editor", "other_editor"])
def test_nobody_else_changes_a_role_or_removes_a_member(client, personas, persona):
    if personas[persona]:
        client.force_login(personas[persona])
    viewer = personas["viewer"]
    client.post(f"{SETTINGS}members/{viewer.pk}/role/", {"role": "admin"})
    client.post(f"{SETTINGS}members/{viewer.pk}/remove/")
    client.post(f"{SETTINGS}invite/", {"email": "x@example.org", "role": "admin"})
    assert Membership.objects.get(user=viewer, municipality__slug="alpha").role == Role.VIEWER
    assert not Invitation.objects.exists() and not mail.outbox


def test_an_administrator_cannot_reach_another_municipality_s_members(client, personas):
    client.force_login(personas["admin"])
    other = personas["other_editor"]  # a member of beta, not of alpha
    response = client.post(f"{SETTINGS}members/{other.pk}/role/", {"role": "viewer"})
    assert response.status_code == 404
    assert Membership.objects.get(user=other).role == Role.EDITOR
    assert client.post(f"/m/beta/settings/members/{other.pk}/remove/").status_code == 403


def _invite(client, email="neu@example.org", role="editor"):
    return client.post(f"{SETTINGS}invite/", {"email": email, "role": role})


def _link() -> str:
    return re.search(r"http://testserver(/invitations/[^/\s]+/)", mail.outbox[-1].body).group(1)


def test_an_invitation_by_mail_makes_a_member_with_a_new_account(client, personas):
    client.force_login(personas["admin"])
    assert _invite(client).status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["neu@example.org"]
    assert "Alphastadt" in mail.outbox[0].subject
    link = _link()
    stored = Invitation.objects.get()
    assert link.split("/")[2] not in stored.digest  # only the hash is kept
    client.logout()
    page = client.get(link)
    assert page.status_code == 200 and "Alphastadt" in page.content.decode()
    response = client.post(
        link, {"username": "neu", "password": PASSWORD, "password_again": PASSWORD}
    )
    assert response.status_code == 302
    user = User.objects.get(username="neu")
    assert user.email == "neu@example.org"
    assert Membership.objects.get(user=user).role == Role.EDITOR
    assert client.get("/").wsgi_request.user == user  # logged in
    # The link works once.
    client.logout()
    assert client.get(link).status_code == 404
    again = client.post(
        link, {"username": "neu2", "password": PASSWORD, "password_again": PASSWORD}
    )
    assert again.status_code == 404 and not User.objects.filter(username="neu2").exists()


def test_a_weak_password_or_a_taken_name_keeps_the_invitation_open(client, personas):
    client.force_login(personas["admin"])
    _invite(client)
    link = _link()
    client.logout()
    weak = client.post(link, {"username": "neu", "password": "123", "password_again": "123"})
    taken = client.post(
        link, {"username": "editor", "password": PASSWORD, "password_again": PASSWORD}
    )
    assert weak.status_code == taken.status_code == 422
    assert Invitation.objects.get().open and not User.objects.filter(username="neu").exists()


def test_an_existing_account_accepts_and_never_loses_a_higher_role(client, personas):
    client.force_login(personas["admin"])
    _invite(client, email="viewer@example.org", role="viewer")
    _invite(client, email="e@example.org", role="admin")
    first, second = [m.body for m in mail.outbox]
    client.force_login(personas["editor"])
    link = re.search(r"http://testserver(/invitations/[^/\s]+/)", first).group(1)
    assert client.post(link).status_code == 302
    assert (
        Membership.objects.get(user=personas["editor"], municipality__slug="alpha").role
        == Role.EDITOR
    )
    client.force_login(personas["other_editor"])
    link = re.search(r"http://testserver(/invitations/[^/\s]+/)", second).group(1)
    client.post(link)
    assert (
        Membership.objects.get(user=personas["other_editor"], municipality__slug="alpha").role
        == Role.ADMIN
    )


@pytest.mark.parametrize("spoil", ["expired", "withdrawn", "unknown"])
def test_spoilt_links_do_nothing(client, personas, spoil):
    client.force_login(personas["admin"])
    _invite(client)
    link = _link()
    invitation = Invitation.objects.get()
    if spoil == "expired":
        Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    elif spoil == "withdrawn":
        client.post(f"{SETTINGS}invitations/{invitation.pk}/withdraw/")
    else:
        link = link[:-5] + "xxxx/"
    client.force_login(personas["other_editor"])
    assert client.post(link).status_code == 404
    assert not Membership.objects.filter(
        user=personas["other_editor"], municipality__slug="alpha"
    ).exists()


def test_a_mail_that_cannot_be_sent_stores_nothing(client, personas, settings):
    with socket.socket() as s:  # a port nobody listens on: the SMTP connection is refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    client.force_login(personas["admin"])
    response = _invite(client)
    assert response.status_code == 422
    assert "nichts gespeichert" in response.content.decode()
    assert not Invitation.objects.exists()
    assert not AuditEntry.objects.filter(object_type="invitation").exists()


def test_role_changes_are_audited_and_read_in_words(client, personas):
    client.force_login(personas["admin"])
    viewer = personas["viewer"]
    client.post(f"{SETTINGS}members/{viewer.pk}/role/", {"role": "editor"})
    entry = AuditEntry.objects.get(object_type="membership", action="update")
    assert entry.user == personas["admin"]
    html = client.get(SETTINGS).content.decode()
    trail = html[html.index('id="trail-title"') :]
    assert "Rolle" in trail and "Lesende:r" in trail and "Redakteur:in" in trail
    assert "viewer" in trail and "#" not in re.sub(r"&#\d+;", "", trail)


def test_the_last_administrator_stays(client, personas):
    client.force_login(personas["admin"])
    admin = personas["admin"]
    demote = client.post(f"{SETTINGS}members/{admin.pk}/role/", {"role": "viewer"}, follow=True)
    assert "letzte Administrator" in demote.content.decode()
    client.post(f"{SETTINGS}members/{admin.pk}/remove/")
    assert Membership.objects.get(user=admin, municipality__slug="alpha").role == Role.ADMIN
    # With a second administrator, the first may step down.
    client.post(f"{SETTINGS}members/{personas['editor'].pk}/role/", {"role": "admin"})
    client.post(f"{SETTINGS}members/{admin.pk}/remove/")
    assert not Membership.objects.filter(user=admin, municipality__slug="alpha").exists()


def test_the_base_map_is_checked_saved_and_audited(client, personas, alpha):
    client.force_login(personas["admin"])
    bad = client.post(f"{SETTINGS}base-map/", {"map_tile_url": "https://x.example/a.png"})
    assert bad.status_code == 422
    good = client.post(f"{SETTINGS}base-map/", {
        "map_tile_url": "https://tiles.example/{z}/{x}/{y}.png", "map_tile_attribution": "© Test",
    })  # fmt: skip
    assert good.status_code == 302
    alpha.refresh_from_db()
    assert alpha.map_tile_url == "https://tiles.example/{z}/{x}/{y}.png"
    trail = client.get(SETTINGS).content.decode()
    assert "Grundkarte (Kacheln)" in trail and "https://tiles.example/{z}/{x}/{y}.png" in trail


def test_site_staff_create_a_municipality_with_its_ags(client, personas):
    page = "/municipalities/new/"
    client.force_login(personas["admin"])
    assert client.get(page).status_code == 403
    client.force_login(personas["staff"])
    wrong = client.post(page, {"name": "Gamma", "slug": "gamma", "ags": "05111001", "kind": "stadt",
                               "state": "09"})  # fmt: skip
    assert wrong.status_code == 422 and "05111001" in wrong.content.decode()
    right = client.post(page, {"name": "Gamma", "slug": "gamma", "ags": "09162001", "kind": "stadt",
                               "state": "09", "population": "1200"})  # fmt: skip
    assert right.status_code == 302 and right["Location"].endswith("/m/gamma/settings/")
    gamma = Municipality.objects.get(slug="gamma")
    assert AuditEntry.objects.filter(municipality=gamma, object_type="municipality").exists()


@pytest.mark.parametrize("how", ["removed", "demoted"])
def test_an_administrator_who_leaves_takes_their_open_invitations_along(client, personas, how):
    """A removed administrator must not come back through a link they sent themselves."""
    client.force_login(personas["admin"])
    editor = personas["editor"]
    client.post(f"{SETTINGS}members/{editor.pk}/role/", {"role": "admin"})
    client.force_login(editor)
    _invite(client, email="hintertuer@example.org", role="admin")
    link = _link()
    client.force_login(personas["admin"])
    if how == "removed":
        client.post(f"{SETTINGS}members/{editor.pk}/remove/")
    else:
        client.post(f"{SETTINGS}members/{editor.pk}/role/", {"role": "viewer"})
    client.force_login(editor)
    assert client.post(link).status_code == 404
    role = Membership.objects.filter(user=editor, municipality__slug="alpha").values_list(
        "role", flat=True
    )
    assert list(role) in ([], [Role.VIEWER])


def test_an_invitation_is_only_as_good_as_its_sender_s_standing_now(client, personas):
    client.force_login(personas["admin"])
    _invite(client)
    link = _link()
    # Whatever path lowers the sender (here the data itself), the link stops working.
    Membership.objects.filter(user=personas["admin"]).update(role=Role.EDITOR)
    client.logout()
    assert client.get(link).status_code == 404


def test_every_open_invitation_is_listed_however_many_were_withdrawn(client, personas):
    client.force_login(personas["admin"])
    _invite(client, email="bleibt@example.org")
    for k in range(55):
        _invite(client, email=f"weg{k}@example.org")
    for invitation in Invitation.objects.exclude(email="bleibt@example.org"):
        client.post(f"{SETTINGS}invitations/{invitation.pk}/withdraw/")
    assert "bleibt@example.org" in client.get(SETTINGS).content.decode()
