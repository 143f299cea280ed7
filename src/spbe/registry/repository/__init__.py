"""All SQL of the registry, one module per kind of object; agency queries are re-exported here."""

from spbe.registry.repository.agencies import (
    add_all,
    all_by_code,
    count_by_kind,
    get_by_code,
    list_agencies,
)

__all__ = ["add_all", "all_by_code", "count_by_kind", "get_by_code", "list_agencies"]
