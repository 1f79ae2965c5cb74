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
