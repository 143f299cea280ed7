"""Search keys for Indonesian names and acronyms: case-, accent- and punctuation-insensitive.

``search_key("Sistem Informasi Kepegawaian (SIMPEG) – Daerah")`` → ``"sistem informasi kepegawaian simpeg daerah"``;
``compact_key("SP4N-LAPOR!")`` → ``"sp4nlapor"``, so ``sp4n lapor``, ``SP4N-LAPOR`` and ``sp4nlapor`` all find it.
The same functions build the stored columns and the query, so SQLite and PostgreSQL match identically
with plain ``LIKE`` (no collation or extension needed).
"""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")
MAX_TOKENS = 8


def search_key(text: str | None) -> str:
    """Lower case, accents removed, every run of punctuation or spaces made one space."""
    if not text:
        return ""
    folded = text.casefold()
    if not folded.isascii():
        decomposed = unicodedata.normalize("NFKD", folded)
        folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", folded).strip()


def compact_key(text: str | None) -> str:
    """The search key without spaces: how an acronym is compared (``e-Kinerja`` → ``ekinerja``)."""
    return search_key(text).replace(" ", "")


def search_text(*parts: str | None) -> str:
    """The stored haystack: every part's key plus the compact form of each, space-separated and padded."""
    keys = [search_key(part) for part in parts if part]
    compacts = [key.replace(" ", "") for key in keys[:2]]  # code and acronym also without spaces
    return " " + " ".join(keys + compacts) + " "


def query_tokens(query: str) -> list[str]:
    """The distinct words of a query, longest first (the most selective LIKE runs first)."""
    tokens = {token for token in search_key(query).split() if token}
    return sorted(tokens, key=lambda token: (-len(token), token))[:MAX_TOKENS]
