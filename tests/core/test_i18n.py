"""Translations: the Indonesian catalogue is complete, and each request gets the language it asks for."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from spbe.core import i18n

ROOT = Path(__file__).resolve().parents[2]
SOURCE_PREFIX = "src/spbe/"


def _source_msgids() -> set[str]:
    """Every msgid in the source, extracted with the project's own babel.cfg (as ``pybabel`` would)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    assert all(pattern.startswith(SOURCE_PREFIX) for pattern, _ in method_map)
    method_map = [(pattern.removeprefix(SOURCE_PREFIX), method) for pattern, method in method_map]
    options_map = {pattern.removeprefix(SOURCE_PREFIX): opts for pattern, opts in options_map.items()}
    found = extract_from_dir(ROOT / SOURCE_PREFIX, method_map, options_map)
    return {message if isinstance(message, str) else message[0] for _, _, message, _, _ in found}


def _catalogue(locale: str):  # type: ignore[no-untyped-def]
    with i18n.catalogue_path(locale).open("rb") as po_file:
        return read_po(po_file, locale=locale)


def test_source_has_messages_to_translate() -> None:
    assert "Page not found" in _source_msgids()


def test_indonesian_catalogue_translates_every_message_of_the_source() -> None:
    catalogue = _catalogue("id")
    untranslated = sorted(msgid for msgid in _source_msgids() if msgid not in catalogue or not catalogue[msgid].string)
    assert untranslated == [], "run pybabel extract/update (see babel.cfg) and translate these"


def test_english_catalogue_lists_every_message_of_the_source() -> None:
    catalogue = _catalogue("en")
    missing = sorted(msgid for msgid in _source_msgids() if msgid not in catalogue)
    assert missing == []


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_catalogues_have_no_format_errors_or_fuzzy_entries(locale: str) -> None:
    catalogue = _catalogue(locale)
    problems = [(message.id, errors) for message, errors in catalogue.check()]
    assert problems == []
    assert [message.id for message in catalogue if message.id and message.fuzzy] == []


def test_gettext_answers_in_the_current_locale() -> None:
    with i18n.use_locale("id"):
        assert i18n.current_locale() == "id"
        assert i18n.gettext("Page not found") == "Halaman tidak ditemukan"
    with i18n.use_locale("en"):
        assert i18n.gettext("Page not found") == "Page not found"


def test_unknown_message_falls_back_to_the_english_msgid() -> None:
    with i18n.use_locale("id"):
        assert i18n.gettext("A sentence nobody translated") == "A sentence nobody translated"


def test_outside_a_request_the_platform_default_is_used() -> None:
    assert i18n.current_locale() == "id"
    i18n.set_default_locale("en")
    try:
        assert i18n.current_locale() == "en"
    finally:
        i18n.set_default_locale("id")


@pytest.mark.parametrize(
    ("query", "cookie", "accept_language", "expected"),
    [
        ("", "", "", "id"),
        ("lang=en", "", "", "en"),
        ("lang=EN", "lang=id", "id", "en"),
        ("lang=id", "lang=en", "en", "id"),
        ("lang=fr", "", "", "id"),
        ("lang=fr", "lang=en", "", "en"),
        ("", "lang=en", "id-ID", "en"),
        ("", "theme=dark; lang=en", "", "en"),
        ("", "lang=xx", "en", "en"),
        ("", "", "en-GB,en;q=0.9,id;q=0.8", "en"),
        ("", "", "id-ID,id;q=0.9,en;q=0.8", "id"),
        ("", "", "fr-FR,en;q=0.9", "id"),
        ("", "", "id;q=0.5, en;q=0.9", "en"),
        ("", "", "en;q=0, id", "id"),
        ("", "", "*", "id"),
        ("", "", ";;;,,q=abc", "id"),
        ("", "\x00garbage=\x7f", "", "id"),
    ],
)
def test_locale_negotiation(query: str, cookie: str, accept_language: str, expected: str) -> None:
    assert i18n.negotiate_locale(query, cookie, accept_language) == expected


def test_negotiation_falls_back_to_the_configured_default() -> None:
    assert i18n.negotiate_locale("", "", "fr", default="en") == "en"


def test_locale_cookie_is_lax_and_secure_over_https() -> None:
    assert i18n.locale_cookie("en", secure=False) == ("lang=en; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly")
    assert i18n.locale_cookie("id", secure=True).endswith("; Secure")
