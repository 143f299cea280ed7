"""``POST /api/v1/nik/validate``: public NIK validation (answers 200 with the reasons when invalid)."""

from __future__ import annotations

from fastapi import APIRouter

from spbe.core.deps import DbReadSession
from spbe.core.nik import service
from spbe.core.nik.schemas import NikResultOut, NikValidateRequest, NikValidateResponse
from spbe.core.security import public

router = APIRouter(prefix="/api/v1/nik", tags=["nik"])


@router.post("/validate", dependencies=[public], summary="Validate one NIK or up to 1,000")
def validate(body: NikValidateRequest, session: DbReadSession) -> NikValidateResponse:
    """Each result gives the region, birth date, sex and serial the NIK encodes, and every reason it is
    invalid (``errors``) or doubtful (``warnings``)."""
    results = [NikResultOut.of(result) for result in service.check_niks(session, body.all_niks)]
    valid = sum(result.valid for result in results)
    return NikValidateResponse(results=results, valid=valid, invalid=len(results) - valid)
