"""The registry's service layer: agencies, applications, the catalogue, imports, exports and ArchiMate.

Other modules call these functions (never the repositories). Agency functions are re-exported here, as is
``list_applications`` (used by the evaluation's evidence suggestions).
"""

from spbe.core.wilayah import service as wilayah
from spbe.registry.service.agencies import (
    get_by_code,
    list_agencies,
    read_central_agencies,
    regional_agencies,
    seed_agencies,
    seed_agencies_step,
)
from spbe.registry.service.applications import list_applications
from spbe.registry.service.taxonomy import seed_reference_step

__all__ = [
    "get_by_code",
    "list_agencies",
    "list_applications",
    "read_central_agencies",
    "regional_agencies",
    "seed_agencies",
    "seed_agencies_step",
    "seed_reference_step",
    "wilayah",
]
