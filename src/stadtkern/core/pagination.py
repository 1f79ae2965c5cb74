"""limit/offset pagination of the JSON API's lists, with bounds: {items, count, limit, offset}."""

from ninja import Field, Schema
from ninja.pagination import PaginationBase

from .types import INT_MAX


class Page(PaginationBase):
    """limit/offset pagination with bounds, answering {items, count, limit, offset}."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=500)
        offset: int = Field(0, ge=0, le=INT_MAX)

    class Output(Schema):
        items: list
        count: int
        limit: int
        offset: int

    items_attribute = "items"

    def paginate_queryset(self, queryset, pagination: Input, **params):
        return {
            "items": list(queryset[pagination.offset : pagination.offset + pagination.limit]),
            "count": queryset.count(),
            "limit": pagination.limit,
            "offset": pagination.offset,
        }


class Rows:
    """A list for Page that builds its items one page at a time: ``build`` turns the
    slice of ``queryset`` for the page into what the API answers (plain dicts), so that
    only the rows of the page are read and shaped."""

    def __init__(self, queryset, build):
        self.queryset = queryset
        self.build = build

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, part: slice) -> list:
        return self.build(self.queryset[part])
