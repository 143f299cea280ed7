"""Shapes of registry data shared by routes, service and repository."""

from spbe.registry.schemas.agencies import AgencyData, AgencyOut, AgencyPage, AgencySeedSummary

__all__ = ["AgencyData", "AgencyOut", "AgencyPage", "AgencySeedSummary"]
