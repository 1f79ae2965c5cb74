"""What other apps add to the data catalogue (the indicators' published series), kept
apart from the catalogue itself so that registering a part at start-up does not load the
RDF library. Each part is called with the graph, the base URL, the catalogue node and a
function giving a municipality's organisation node, and returns the moments it modified."""

CATALOGUE_PARTS: list = []


def register_catalogue_part(part) -> None:
    if part not in CATALOGUE_PARTS:
        CATALOGUE_PARTS.append(part)
