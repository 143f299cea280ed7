"""Every ORM model owned by ``core``, imported so the metadata knows them."""

from __future__ import annotations

from spbe.core.audit.models import AuditHead, AuditRecord
from spbe.core.keys.models import SigningKey
from spbe.core.tokens import RevokedToken
from spbe.core.wilayah.models import District, Province, Regency, Village

__all__ = ["AuditHead", "AuditRecord", "District", "Province", "Regency", "RevokedToken", "SigningKey", "Village"]
