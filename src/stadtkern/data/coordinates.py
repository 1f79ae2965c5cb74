"""Which columns of a table hold point coordinates, by name or as named by the uploader.
Apart from geo.py so that reading a table without coordinates does not load pyproj and
shapely."""

from django.utils.translation import gettext as _

from .readers import ReadError

X_NAMES = (
    "lon",
    "lng",
    "long",
    "longitude",
    "laenge",
    "x",
    "rechtswert",
    "easting",
    "ostwert",
    "x_koordinate",
    "x_coord",
)
Y_NAMES = (
    "lat",
    "latitude",
    "breite",
    "y",
    "hochwert",
    "northing",
    "nordwert",
    "y_koordinate",
    "y_coord",
)


def point_columns(columns, x: str | None, y: str | None) -> tuple[str, str] | None:
    """The two numeric columns that hold point coordinates, named or recognised by name."""
    numeric = {c.name for c in columns if c.type in ("decimal", "integer")}
    names = [c.name for c in columns]
    if x or y:
        for n in (x, y):
            if n not in names:
                raise ReadError(_("There is no coordinate column '%(name)s'.") % {"name": n})
            if n not in numeric:
                raise ReadError(_("The coordinate column '%(name)s' is not numeric.") % {"name": n})
        return x, y
    found_x = next((n for n in X_NAMES if n in numeric), None)
    found_y = next((n for n in Y_NAMES if n in numeric), None)
    if found_x and found_y:
        return found_x, found_y
    return None
