"""SQL functions the datastore offers on both databases, under the same names.

``sk_within(x, y, geometry)`` is true when the point (x, y) in EPSG:4326 lies inside the
polygon or multipolygon ``geometry`` (GeoJSON text). On SQLite it is a Python function
registered on every connection (shapely, with prepared polygons cached); on PostgreSQL
it is created by a migration as a PL/pgSQL function, so that it works with and without
PostGIS. It is how SQL queries join points to districts.
"""

from functools import lru_cache

from django.db.backends.signals import connection_created

# Prepared polygons of ordinary size are kept (a district is read once per query, not
# per point); a huge one is prepared each time, so that no query fills the cache.
CACHED_POLYGON_CHARS = 200_000


@lru_cache(maxsize=256)
def _cached_polygon(text: str):
    return _prepared(text)


def _prepared(text: str):
    import shapely

    geom = shapely.from_geojson(text)
    shapely.prepare(geom)
    return geom


def _polygon(text: str):
    return _cached_polygon(text) if len(text) <= CACHED_POLYGON_CHARS else _prepared(text)


def sk_within(x, y, geometry):
    if x is None or y is None or not geometry:
        return None
    import shapely

    try:
        return int(bool(shapely.contains_xy(_polygon(geometry), float(x), float(y))))
    except (ValueError, TypeError, shapely.errors.GEOSException):
        return None


def register(sqlite_connection) -> None:
    sqlite_connection.create_function("sk_within", 3, sk_within, deterministic=True)


def _on_connect(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        register(connection.connection)


def connect_signal() -> None:
    connection_created.connect(_on_connect, dispatch_uid="stadtkern-data-sqlfunctions")


PG_SK_WITHIN = r"""
CREATE OR REPLACE FUNCTION sk_within(x double precision, y double precision, g text)
RETURNS boolean LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    doc jsonb;
    polys jsonb;
    poly jsonb;
    ring jsonb;
    inside boolean;
    n int;
    j int;
    xi float8; yi float8; xj float8; yj float8;
BEGIN
    IF x IS NULL OR y IS NULL OR g IS NULL THEN
        RETURN NULL;
    END IF;
    doc := g::jsonb;
    IF doc->>'type' = 'Polygon' THEN
        polys := jsonb_build_array(doc->'coordinates');
    ELSIF doc->>'type' = 'MultiPolygon' THEN
        polys := doc->'coordinates';
    ELSE
        RETURN false;
    END IF;
    FOR poly IN SELECT value FROM jsonb_array_elements(polys) LOOP
        -- Even-odd rule over all rings of the polygon, so holes are left out.
        inside := false;
        FOR ring IN SELECT value FROM jsonb_array_elements(poly) LOOP
            n := jsonb_array_length(ring);
            j := n - 1;
            FOR i IN 0..n - 1 LOOP
                xi := (ring->i->>0)::float8; yi := (ring->i->>1)::float8;
                xj := (ring->j->>0)::float8; yj := (ring->j->>1)::float8;
                IF ((yi > y) <> (yj > y)) AND (x < (xj - xi) * (y - yi) / (yj - yi) + xi) THEN
                    inside := NOT inside;
                END IF;
                j := i;
            END LOOP;
        END LOOP;
        IF inside THEN
            RETURN true;
        END IF;
    END LOOP;
    RETURN false;
END $$;
"""
