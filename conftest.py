"""Shared personas for every test: two municipalities and one user per role.

alpha is the home municipality; beta is the other one whose editor should have no
access to alpha. Personas: anonymous, viewer, editor, admin (of alpha),
other_editor (editor of beta), staff (site staff).
"""

import pytest

from stadtkern.core.models import Role
from stadtkern.core.services import membership_set, municipality_create, token_create, user_create

PASSWORD = "correct horse battery staple 42"


@pytest.fixture(autouse=True)
def page_cache(request, settings):
    """Visitors' pages are cached (core/pagecache.py) where writes commit, as in use:
    in transactional tests, browser tests among them, the data version is read on every
    request. A test inside a transaction never commits, so nothing would move the
    version on: there the cache is off."""
    from stadtkern.core import pagecache

    marker = request.node.get_closest_marker("django_db")
    committing = (
        "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
        or bool(marker and marker.kwargs.get("transaction"))
    )
    settings.PAGE_VERSION_SECONDS = 0
    if not committing:
        settings.PAGE_CACHE_SECONDS = 0
    pagecache.KEPT.clear()


@pytest.fixture(autouse=True)
def sdg_catalogue(request):
    """Put the SDG catalogue back where a transactional test's flush removed it.

    The catalogue comes from a data migration; tests that run outside a transaction
    (browser tests) end with a flush of every table.
    """
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in request.fixturenames or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")
    elif "db" in request.fixturenames or marker:
        request.getfixturevalue("db")
    else:
        return
    from stadtkern.strategy.models import SdgGoal, SdgIndicator, SdgTarget
    from stadtkern.strategy.sdg_catalogue import load_catalogue

    if not SdgGoal.objects.exists():
        load_catalogue(SdgGoal, SdgTarget, SdgIndicator)


@pytest.fixture
def alpha(db):
    return municipality_create(
        name="Alphastadt", slug="alpha", ags="05111000", kind="stadt", state="05", population=600000
    )


@pytest.fixture
def beta(db):
    return municipality_create(
        name="Betadorf", slug="beta", ags="09162000", kind="gemeinde", state="09"
    )


@pytest.fixture
def personas(alpha, beta):
    """Return a dict persona name -> user (None for anonymous)."""
    users = {"anonymous": None}
    for name, municipality, role in [
        ("viewer", alpha, Role.VIEWER),
        ("editor", alpha, Role.EDITOR),
        ("admin", alpha, Role.ADMIN),
        ("other_editor", beta, Role.EDITOR),
    ]:
        user = user_create(username=name, password=PASSWORD)
        membership_set(user=user, municipality=municipality, role=role)
        users[name] = user
    users["staff"] = user_create(username="staff", password=PASSWORD, is_staff=True)
    return users


@pytest.fixture
def token_for():
    """Return a function giving a bearer header for a user (None for anonymous)."""

    def make(user):
        if user is None:
            return {}
        _token, secret = token_create(user=user, name="test")
        return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    return make


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Argon2 is deliberately slow; tests create many users. The production hasher is
    # checked in core/tests/test_settings.py.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
