"""A function named by its dotted path and imported on its first call.

Apps register job handlers, schedules, panels and catalogue parts when Django starts. Named
this way, a registration costs nothing: a command that never renders a page or runs a
job (``stadtkern --help``, ``stadtkern sql``) does not import the data frames, RDF and
chart libraries those functions need."""

from django.utils.module_loading import import_string


class Lazy:
    def __init__(self, path: str):
        self.path = path
        self._function = None

    def __call__(self, *args, **kwargs):
        if self._function is None:
            self._function = import_string(self.path)
        return self._function(*args, **kwargs)

    def __eq__(self, other) -> bool:  # registered once, however often ready() runs
        return isinstance(other, Lazy) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)

    def __repr__(self) -> str:
        return f"Lazy({self.path!r})"
