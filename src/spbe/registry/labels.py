"""Words for the registry's stored values (``production``, ``kabupaten``, …) on the pages, translated.

The API keeps the stored values; the pages show these labels so an Indonesian page never shows an English
status or a bare code.
"""

from __future__ import annotations

from spbe.core.i18n import gettext as _


def statuses() -> dict[str, str]:
    return {
        "planned": _("Planned"),
        "development": _("In development"),
        "production": _("In operation"),
        "retired": _("Retired"),
    }


def agency_kinds() -> dict[str, str]:
    return {
        "kementerian": _("Ministry"),
        "lpnk": _("Non-ministerial government agency"),
        "lembaga": _("State agency"),
        "provinsi": _("Province"),
        "kabupaten": _("Regency"),
        "kota": _("City"),
    }


def service_areas() -> dict[str, str]:
    return {"publik": _("Public service"), "administrasi": _("Government administration")}


def infrastructure_kinds() -> dict[str, str]:
    return {"data_centre": _("Data centre"), "network": _("Network"), "cloud": _("Cloud")}


def classifications() -> dict[str, str]:
    return {"terbuka": _("Open"), "terbatas": _("Restricted"), "rahasia": _("Secret")}


def all_labels() -> dict[str, dict[str, str]]:
    """Every label table, for a template's ``labels`` (``labels.status[a.status]``)."""
    return {
        "status": statuses(),
        "agency_kind": agency_kinds(),
        "service_area": service_areas(),
        "infrastructure_kind": infrastructure_kinds(),
        "classification": classifications(),
    }
