"""Indonesian text normalisation for application names and descriptions.

``name_key("SIMPEG Kabupaten Garut", place_words={"garut"})`` → ``"simpeg"`` with concept ``kepegawaian``;
``e-Pegawai``, ``E Pegawai`` and ``ePegawai`` all become ``epegawai``. Region and agency names, and filler
words such as "aplikasi", "sistem informasi", "kabupaten" or "dinas", are dropped; known acronyms and
phrases are mapped to concepts from the curated ``lexicon``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from spbe.registry.duplicates.lexicon import CONCEPTS, DESCRIPTION_STOPWORDS, FILLER

_NON_WORD = re.compile(r"[^0-9a-z]+")
_E_PREFIX = re.compile(r"\be\s+(?=[a-z]{3,})")  # "e pegawai" (from e-Pegawai) → "epegawai"


def fold(text: str | None) -> str:
    """Lower case, accents removed, punctuation made spaces, e-prefix joined."""
    if not text:
        return ""
    plain = text.casefold()
    if not plain.isascii():
        plain = "".join(ch for ch in unicodedata.normalize("NFKD", plain) if not unicodedata.combining(ch))
    return _E_PREFIX.sub("e", _NON_WORD.sub(" ", plain)).strip()


@cache
def _phrase_index() -> tuple[dict[str, str], dict[str, str], re.Pattern[str]]:
    """Single-word terms → concept, multi-word phrases → concept, and one pattern finding the phrases."""
    words: dict[str, str] = {}
    phrases: dict[str, str] = {}
    for concept, terms in CONCEPTS.items():
        for term in terms:
            folded = fold(term)
            (words if " " not in folded else phrases).setdefault(folded, concept)
    alternatives = "|".join(re.escape(phrase) for phrase in sorted(phrases, key=len, reverse=True))
    return words, phrases, re.compile(rf"(?<!\S)(?:{alternatives})(?!\S)")


def concepts_of(tokens: list[str]) -> set[str]:
    """The lexicon concepts named by these (folded) tokens, as words or phrases."""
    words, phrases, pattern = _phrase_index()
    found = {words[token] for token in tokens if token in words}
    found |= {phrases[match] for match in pattern.findall(" ".join(tokens))}
    return found


@dataclass(frozen=True)
class NormalisedName:
    """What an application's name and acronym say once region, agency and filler words are gone."""

    text: str  # the remaining words, e.g. "simpeg"
    concepts: frozenset[str]  # e.g. {"kepegawaian"}


@cache
def place_words(*names: str | None) -> frozenset[str]:
    """The words of an agency's names to drop from its applications' names ("garut", "kemenkes")."""
    return frozenset(word for name in names for word in fold(name).split() if word not in _KEEP_PLACE)


_KEEP_PLACE = frozenset({"pemerintah", "kabupaten", "kota", "provinsi", "kementerian", "badan"})


def normalise_name(name: str, acronym: str | None = None, places: Iterable[str] = ()) -> NormalisedName:
    """Name and acronym reduced to the words that say what the application does, plus concepts."""
    drop = FILLER | frozenset(places)
    tokens = fold(f"{name} {acronym or ''}").split()
    concepts = concepts_of(tokens)
    kept = list(dict.fromkeys(token for token in tokens if token not in drop and len(token) > 1))
    return NormalisedName(" ".join(kept), frozenset(concepts))


def description_words(description: str | None, places: Iterable[str] = ()) -> str:
    """The description's meaningful words (stop words, filler and the agency's place names dropped)."""
    drop = DESCRIPTION_STOPWORDS | frozenset(places)
    return " ".join(token for token in fold(description).split() if token not in drop and len(token) > 2)
