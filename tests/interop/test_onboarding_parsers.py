"""Property tests: whatever a provider uploads or types, the OpenAPI and back-end URL checks either accept it
or refuse it with ``ValidationFailed`` naming the problem — never another exception."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spbe.core.errors import ValidationFailed
from spbe.interop import openapi_docs
from spbe.interop.backend_urls import check_backend_url

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


def _attempt(call: Callable[[], Any]) -> tuple[Any, ValidationFailed | None]:
    try:
        return call(), None
    except ValidationFailed as exc:
        return None, exc


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_any_upload_is_accepted_or_refused_with_a_reason(raw: bytes) -> None:
    document, error = _attempt(lambda: openapi_docs.parse(raw))
    if error is not None:
        assert error.detail.startswith("OpenAPI document: ")
        assert error.errors[0].field == "openapi"
    else:
        assert document.operations


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.sampled_from(["3.0.3", "3.1.0", "2.0", 3]))
def test_any_json_shape_is_accepted_or_refused_with_a_reason(paths: object, version: object) -> None:
    raw = json.dumps({"openapi": version, "info": {"title": "t", "version": "1"}, "paths": paths})
    try:
        document = openapi_docs.parse(raw)
    except ValidationFailed:
        return
    assert version in ("3.0.3", "3.1.0")
    assert all(
        method in openapi_docs.HTTP_OPERATIONS
        for method, _, _ in ((m.lower(), p, s) for m, p, s in document.operations)
    )


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80), st.booleans())
def test_any_url_is_accepted_or_refused_with_a_reason(url: str, loopback: bool) -> None:
    accepted, error = _attempt(lambda: check_backend_url(url, allow_loopback=loopback))
    if error is not None:
        assert error.errors[0].field == "base_url"
    else:
        assert accepted.startswith(("http://", "https://"))
        assert "@" not in accepted
        assert "?" not in accepted


@given(
    st.sampled_from(["http://127.0.0.1:9000/api", "http://localhost/x", "http://[::1]/", "http://[::ffff:127.0.0.1]/"])
)
def test_loopback_only_outside_production(url: str) -> None:
    assert check_backend_url(url, allow_loopback=True)
    with pytest.raises(ValidationFailed, match="not allowed in production"):
        check_backend_url(url, allow_loopback=False)
