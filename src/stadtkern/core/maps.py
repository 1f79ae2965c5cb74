"""The one map component's server side: which base map a municipality's maps load, and
the one origin the page's Content-Security-Policy then lets images come from.

A base map is off unless the operator (``MAP_TILE_URL``) or the municipality chooses one:
each tile a visitor's browser loads tells the tile server about the visit. Without one,
maps draw the municipality's district outlines as context (the data app serves them).
"""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# A tile template: http(s), a plain host name (Leaflet's "{s}." subdomain allowed) and a
# path of ordinary URL characters. Quotes, spaces, commas and semicolons are refused: the
# origin goes into a response header and the template into an HTML attribute.
_TEMPLATE = re.compile(
    r"https?://(\{s\}\.)?[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(:[0-9]{1,5})?"
    r"/[A-Za-z0-9._~/{}?&=%+:@!-]*"
)
XYZ = ("{z}", "{x}", "{y}")
# A WMTS RESTful template in a web-Mercator tile matrix set (GoogleMapsCompatible,
# GLOBAL_WEBMERCATOR, WebMercatorQuad) is the same grid under other names.
WMTS = {"{TileMatrix}": "{z}", "{TileRow}": "{y}", "{TileCol}": "{x}"}
ATTRIBUTION_MAX = 300
PLACEHOLDERS = {"{s}", "{z}", "{x}", "{y}", "{r}", *WMTS}


def validate_tile_url(value: str) -> None:
    if not value:
        return
    if len(value) > 500 or not _TEMPLATE.fullmatch(value):
        raise ValidationError(
            _(
                "A tile address starts with https:// (or http://), names a host and holds no "
                "spaces, quotes, commas or semicolons."
            ),  # fmt: skip
            code="tile_url",
        )
    parts = urlsplit(value.replace("{s}", "s"))
    host = value.split("://", 1)[1].split("/", 1)[0]
    try:
        port_ok = parts.port is None or 1 <= parts.port <= 65535
    except ValueError:
        port_ok = False
    # "{s}" stands for a, b, c under one domain: "{s}.com" would allow every .com host.
    if not port_ok or (host.startswith("{s}.") and "." not in host[4:].split(":")[0]):
        raise ValidationError(
            _(
                "A tile address names one server (or its a, b, c under one domain) and a port "
                "from 1 to 65535."
            ),  # fmt: skip
            code="tile_host",
        )
    unknown = set(re.findall(r"\{[^}]*\}", value)) - PLACEHOLDERS
    if unknown:
        raise ValidationError(
            _("Unknown placeholder %(name)s in the tile address.") % {"name": sorted(unknown)[0]},
            code="tile_placeholder",
        )
    normalised = xyz_template(value)
    if not all(p in normalised for p in XYZ):
        raise ValidationError(
            _(
                "A tile address holds {z}, {x} and {y} (XYZ), or {TileMatrix}, {TileRow} and "
                "{TileCol} (WMTS in a web-Mercator tile matrix set)."
            ),  # fmt: skip
            code="tile_placeholders",
        )


def xyz_template(url: str) -> str:
    """The XYZ form Leaflet reads of an XYZ or WMTS RESTful template."""
    for wmts, xyz in WMTS.items():
        url = url.replace(wmts, xyz)
    return url


def tile_origin(url: str) -> str:
    """The origin a Content-Security-Policy must allow for a (valid) tile template."""
    parts = urlsplit(url.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}"


def base_map(municipality) -> tuple[str, str]:
    """(XYZ template, attribution) of the base map on this municipality's maps, or
    ("", "") when none is chosen. The municipality's choice wins over the operator's."""
    own = getattr(municipality, "map_tile_url", "") if municipality else ""
    try:  # checked again here: the origin goes into a header, whatever path stored it
        validate_tile_url(own)
    except ValidationError:
        own = ""
    if own:
        return xyz_template(own), municipality.map_tile_attribution
    if settings.MAP_TILE_URL:
        return xyz_template(settings.MAP_TILE_URL), settings.MAP_TILE_ATTRIBUTION
    return "", ""


def map_context(request, municipality) -> dict:
    """What ``core/_map.html`` needs, and the tile origin noted for the page's policy."""
    tile_url, attribution = base_map(municipality)
    if tile_url:
        request.map_tile_origin = tile_origin(tile_url)
    outlines = ""
    if municipality is not None and not tile_url:
        try:
            outlines = reverse("data:outlines", kwargs={"slug": municipality.slug})
        except NoReverseMatch:  # an instance without the data app draws no outlines
            outlines = ""
    return {"tile_url": tile_url, "tile_attribution": attribution, "outlines_url": outlines}
