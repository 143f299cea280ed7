"""Typo tolerance for the search: when a query finds nothing, correct its words against the vocabulary.

The vocabulary is every distinct word of the applications' names and acronyms (normalised; ~10,000 words
for 27,400 applications), kept per database and rebuilt when an application is added, removed or renamed
(``vocabulary_stamp``). A word the vocabulary lacks is replaced by its closest vocabulary word when
rapidfuzz's ratio is at least ``CUTOFF`` (``kepegawain`` → ``kepegawaian``); words shorter than
``MIN_LENGTH`` are left alone (too many neighbours). Only a search with no hit pays for this.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy.orm import Session

from spbe.registry.repository import applications as repository

CUTOFF = 80.0
MIN_LENGTH = 4
_lock = threading.Lock()
_cache: dict[str, tuple[tuple[object, ...], Vocabulary]] = {}


@dataclass(frozen=True)
class Vocabulary:
    words: frozenset[str]
    choices: tuple[str, ...]


def vocabulary(session: Session) -> Vocabulary:
    """The vocabulary of this database, built again only after the applications changed."""
    key = str(session.get_bind().engine.url)
    stamp = repository.vocabulary_stamp(session)
    with _lock:
        cached = _cache.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    words: set[str] = set()
    for name, acronym in repository.name_and_acronym_keys(session):
        words.update(name.split())
        if acronym:
            words.add(acronym)
    built = Vocabulary(frozenset(words), tuple(sorted(word for word in words if len(word) >= MIN_LENGTH - 1)))
    with _lock:
        _cache[key] = (stamp, built)
    return built


def correct(session: Session, tokens: tuple[str, ...]) -> tuple[str, ...] | None:
    """The tokens with each unknown word replaced by its closest known word, or ``None`` if none changed."""
    known = vocabulary(session)
    corrected = tuple(_closest(token, known) for token in tokens)
    return corrected if corrected != tokens else None


def _closest(token: str, known: Vocabulary) -> str:
    if len(token) < MIN_LENGTH or token in known.words or token.isdigit():
        return token
    found = process.extractOne(token, known.choices, scorer=fuzz.ratio, score_cutoff=CUTOFF)
    return str(found[0]) if found is not None else token
