"""A moderator hides posts in participation; they are no member of the data platform:
internal datasets stay hidden from them everywhere, lists included."""

import pytest

from conftest import PASSWORD
from stadtkern.core.services import membership_set, user_create
from stadtkern.data.models import Dataset

pytestmark = pytest.mark.django_db


def test_internal_datasets_stay_hidden_from_a_moderator(client, alpha):
    Dataset.objects.create(
        municipality=alpha, slug="intern", title="Interne Zählung", access="internal"
    )
    moderator = user_create(username="moderatorin", password=PASSWORD)
    membership_set(user=moderator, municipality=alpha, role="moderator")
    client.force_login(moderator)
    for page in ("/data/", "/m/alpha/data/", "/search/?q=Zählung"):
        assert "Interne Zählung" not in client.get(page).content.decode(), page
    assert "intern" not in [d["slug"] for d in client.get("/api/v1/datasets").json()["items"]]
