"""The base-map setting: which tile addresses pass, what the page's policy then allows,
and that nothing a municipality types can reach the header or the page as markup."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from stadtkern.core.maps import base_map, tile_origin, validate_tile_url, xyz_template

BASEMAP_DE = (
    "https://sgx.geodatenzentrum.de/wmts_basemapde/tile/1.0.0/de_basemapde_web_raster_farbe/"
    "default/GLOBAL_WEBMERCATOR/{TileMatrix}/{TileRow}/{TileCol}.png"
)


@pytest.mark.parametrize(
    "url",
    [
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "https://{s}.tiles.example/{z}/{x}/{y}.png?key=abc",
        "http://127.0.0.1:8080/tiles/{z}/{x}/{y}.png",
        BASEMAP_DE,
    ],
)
def test_xyz_and_wmts_addresses_pass(url):
    validate_tile_url(url)
    assert all(p in xyz_template(url) for p in ("{z}", "{x}", "{y}"))


def test_a_wmts_address_becomes_the_xyz_grid_leaflet_reads():
    assert xyz_template(BASEMAP_DE).endswith("/GLOBAL_WEBMERCATOR/{z}/{y}/{x}.png")
    assert tile_origin(BASEMAP_DE) == "https://sgx.geodatenzentrum.de"
    assert tile_origin("https://{s}.tiles.example/{z}/{x}/{y}.png") == "https://*.tiles.example"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://tiles.example/{z}/{x}/{y}.png",
        "javascript:alert(1)//{z}/{x}/{y}",
        "https://tiles.example/{z}/{x}.png",  # no {y}
        "https://tiles.example; script-src *//{z}/{x}/{y}",
        "https://tiles.example/{z}/{x}/{y}.png' onload='x",
        'https://tiles.example/{z}/{x}/{y}.png"><script>',
        "https://tiles.example/{z}/{x}/{y}.png, https://evil.example",
        "https://user@tiles.example/{z}/{x}/{y}.png",
        "https://tiles.example /{z}/{x}/{y}.png",
        "https://tiles.example/{z}/{x}/{y}.png\nX-Header: 1",
        "//tiles.example/{z}/{x}/{y}.png",
        "https://{s}.com/{z}/{x}/{y}.png",  # every .com host
        "http://{s}.a/{z}/{x}/{y}",
        "https://tiles.example:0/{z}/{x}/{y}.png",
        "https://tiles.example:99999/{z}/{x}/{y}.png",
        "https://tiles.example/{z}/{x}/{y}/{foo}.png",
    ],
)
def test_other_addresses_are_refused(url):
    with pytest.raises(ValidationError):
        validate_tile_url(url)


@given(st.text(max_size=120))
def test_whatever_passes_has_an_origin_safe_for_a_header(text):
    url = "https://tiles.example/" + text
    try:
        validate_tile_url(url)
    except ValidationError:
        return
    origin = tile_origin(url)
    assert origin == "https://tiles.example"
    assert not set(xyz_template(url)) & set(" \t\r\n;,'\"<>`\\")


@given(st.text(max_size=80))
def test_any_host_that_passes_is_a_plain_host(host):
    url = f"https://{host}/{{z}}/{{x}}/{{y}}.png"
    try:
        validate_tile_url(url)
    except ValidationError:
        return
    assert not set(tile_origin(url)) & set(" \t\r\n;,'\"<>`\\@/") - {"/"}


def test_a_stored_address_that_no_longer_passes_is_ignored(alpha):
    alpha.map_tile_url = "https://tiles.example; script-src *//{z}/{x}/{y}"
    assert base_map(alpha) == ("", "")  # whatever path stored it


def test_the_operator_s_base_map_unless_the_municipality_chose_its_own(alpha, settings):
    settings.MAP_TILE_URL = "https://operator.example/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "Operator"
    assert base_map(alpha) == ("https://operator.example/{z}/{x}/{y}.png", "Operator")
    alpha.map_tile_url, alpha.map_tile_attribution = BASEMAP_DE, "© GeoBasis-DE / BKG"
    assert base_map(alpha) == (xyz_template(BASEMAP_DE), "© GeoBasis-DE / BKG")


@pytest.mark.django_db
def test_the_policy_allows_the_chosen_server_on_that_municipality_s_pages_only(client, alpha, beta):
    alpha.map_tile_url = BASEMAP_DE
    alpha.save()
    own = client.get("/m/alpha/data/")["Content-Security-Policy"]
    other = client.get("/m/beta/data/")["Content-Security-Policy"]
    assert "img-src 'self' data: https://sgx.geodatenzentrum.de;" in own
    assert "geodatenzentrum" not in other
