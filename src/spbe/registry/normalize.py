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


COMPACTED_PARTS = 3  # code, acronym and name are also stored without spaces


def search_text(*parts: str | None) -> str:
    """The stored haystack: every part's key, then the first parts (code, acronym, name) without spaces,
    space-separated and padded. Compacting the name too lets ``eoffice`` find "e-Office Terpadu" even
    when it has an acronym; a part that is missing keeps its place (the name stays the third part)."""
    keys = [search_key(part) for part in parts]
    compacts = [key.replace(" ", "") for key in keys[:COMPACTED_PARTS] if " " in key]
    return " " + " ".join(key for key in keys + compacts if key) + " "


def query_tokens(query: str) -> list[str]:
    """The distinct words of a query, longest first (the most selective LIKE runs first)."""
    tokens = {token for token in search_key(query).split() if token}
    return sorted(tokens, key=lambda token: (-len(token), token))[:MAX_TOKENS]
