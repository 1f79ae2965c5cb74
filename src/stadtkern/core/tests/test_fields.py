"""OrderedJSONField keeps the order of an object's keys, also on PostgreSQL's jsonb."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stadtkern.participation import assemblies
from stadtkern.participation.models import Assembly

pytestmark = pytest.mark.django_db

keys = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=8)
shares = st.dictionaries(keys, st.dictionaries(keys, st.floats(0.01, 100), min_size=2, max_size=6),
                         min_size=1, max_size=4)  # fmt: skip


# The fixture's municipality stays; each example removes the assemblies it made.
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(shares)
def test_shares_read_back_in_the_order_written(alpha, value):
    Assembly.objects.all().delete()
    made = assemblies.assembly_create(
        municipality=alpha, slug="rat", title="Bürgerrat", panel_size=5, shares=value
    )
    stored = Assembly.objects.get(pk=made.pk).shares
    assert stored == value
    assert list(stored) == list(value)
    assert all(list(stored[f]) == list(value[f]) for f in value)


def test_age_bands_keep_their_order(alpha):
    bands = {"16-29": 18, "30-64": 58, "65+": 24}  # jsonb alone would put 65+ first
    assemblies.assembly_create(municipality=alpha, slug="rat", title="Bürgerrat", panel_size=5,
                               shares={"Alter": bands, "Bezirk": {"Nord": 1, "Süd": 1}})  # fmt: skip
    assert list(Assembly.objects.get().shares["Alter"]) == ["16-29", "30-64", "65+"]
