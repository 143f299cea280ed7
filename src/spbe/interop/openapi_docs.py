"""The OpenAPI 3 document a provider must upload with a service: parse (JSON or YAML), check, normalise.

A document is accepted when it is an OpenAPI 3.x object with ``info.title``, ``info.version`` and at
least one operation under ``paths``. Every refusal names the place (``paths./x.gett``) and what is wrong,
so a provider can fix the file without guessing. YAML is read with the safe loader and without aliases
(``*anchor``), which would let a small file expand into a huge JSON document. The stored form is JSON,
which the ``getOpenAPI`` metaservice and the portal serve as is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML (via uvicorn[standard]); no stubs installed

from spbe.core.errors import FieldError, ValidationFailed

MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
HTTP_OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
PATH_ITEM_FIELDS = frozenset({"$ref", "summary", "description", "servers", "parameters"})
_VERSION = re.compile(r"^3\.\d+(\.\d+)?$")
FIELD = "openapi"


@dataclass(frozen=True)
class OpenApiDocument:
    """A checked document: its JSON text, title, version and ``(METHOD, path template)`` operations."""

    json_text: str
    title: str
    version: str
    operations: tuple[tuple[str, str, str], ...]  # (METHOD, path, summary)


def _fail(message: str) -> ValidationFailed:
    return ValidationFailed(f"OpenAPI document: {message}", errors=[FieldError(FIELD, message)])


class _NoAliasLoader(yaml.SafeLoader):  # type: ignore[misc]
    """The safe loader, refusing YAML aliases (a "billion laughs" document expands exponentially)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(None, None, "YAML aliases (*name) are not accepted", mark)
        return super().compose_node(parent, index)


def load(raw: str | bytes) -> Any:
    """The document as Python data, from JSON or (failing that) YAML text."""
    data = raw.encode() if isinstance(raw, str) else raw
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _fail(f"the document is larger than {MAX_DOCUMENT_BYTES // 1024 // 1024} MiB")
    if not data.strip():
        raise _fail("the document is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _fail("the document is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as bad:
        if text.lstrip().startswith(("{", "[")):
            raise _fail(f"invalid JSON at line {bad.lineno}, column {bad.colno}: {bad.msg}") from None
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        raise _fail(f"neither JSON nor valid YAML ({_yaml_problem(exc)})") from None


def _yaml_problem(exc: Any) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is None:
        return str(problem)
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"


def parse(raw: str | bytes) -> OpenApiDocument:
    """Load and check a document; raise ``ValidationFailed`` naming the first problem found."""
    document = load(raw)
    if not isinstance(document, dict):
        raise _fail(f"the top level must be an object, not {_kind(document)}")
    _check_version(document)
    title, version = _check_info(document.get("info"))
    operations = _operations(document.get("paths"))
    try:
        json_text = json.dumps(document, ensure_ascii=False, default=str)
    except (TypeError, ValueError) as exc:
        raise _fail(f"the document cannot be stored as JSON: {exc}") from None
    return OpenApiDocument(json_text, title, version, tuple(operations))


def _kind(value: Any) -> str:
    names = {list: "a list", str: "a string", int: "a number", float: "a number", bool: "true/false"}
    return names.get(type(value), "null" if value is None else type(value).__name__)


def _check_version(document: dict[str, Any]) -> None:
    if "swagger" in document:
        raise _fail(f"this is Swagger {document['swagger']}; convert it to OpenAPI 3 (field 'openapi': '3.0.3')")
    version = document.get("openapi")
    if version is None:
        raise _fail('the field \'openapi\' is missing (it must say the version, e.g. "openapi": "3.0.3")')
    if not isinstance(version, str) or not _VERSION.match(version):
        raise _fail(f'\'openapi\' is {version!r}; only OpenAPI 3.x documents are accepted (e.g. "3.0.3", "3.1.0")')


def _check_info(info: Any) -> tuple[str, str]:
    if not isinstance(info, dict):
        raise _fail("the object 'info' (with 'title' and 'version') is missing")
    title, version = info.get("title"), info.get("version")
    if not isinstance(title, str) or not title.strip():
        raise _fail("'info.title' is missing or empty")
    if not isinstance(version, str | int | float) or not str(version).strip():
        raise _fail("'info.version' is missing or empty")
    return title.strip(), str(version)


def _operations(paths: Any) -> list[tuple[str, str, str]]:
    if paths is None:
        raise _fail("the object 'paths' is missing: a service needs at least one path with an operation")
    if not isinstance(paths, dict):
        raise _fail(f"'paths' must be an object, not {_kind(paths)}")
    operations = []
    for path, item in paths.items():
        _check_path(str(path))
        if not isinstance(item, dict):
            raise _fail(f"'paths.{path}' must be an object of operations, not {_kind(item)}")
        for key, operation in item.items():
            operations += _operation(str(path), str(key), operation)
    if not operations:
        raise _fail("'paths' has no operation (get, post, …): there is nothing a client could call")
    return operations


def _check_path(path: str) -> None:
    if path.startswith("x-"):
        return
    if not path.startswith("/"):
        raise _fail(f"path {path!r} must start with '/'")
    if path.count("{") != path.count("}"):
        raise _fail(f"path {path!r} has unbalanced '{{' '}}' in its template")
    if any(segment in (".", "..") for segment in path.split("/")) or "\\" in path:
        raise _fail(f"path {path!r} has a dot segment or backslash, which the gateway refuses")
    if any(ord(char) < 0x21 or ord(char) == 0x7F for char in path):
        raise _fail(f"path {path!r} contains spaces or control characters")


def _operation(path: str, key: str, operation: Any) -> list[tuple[str, str, str]]:
    if path.startswith("x-") or key in PATH_ITEM_FIELDS or key.startswith("x-"):
        return []
    if key.lower() not in HTTP_OPERATIONS:
        raise _fail(f"'paths.{path}.{key}' is not an HTTP method (use get, put, post, delete, options, head, patch)")
    if not isinstance(operation, dict):
        raise _fail(f"'paths.{path}.{key}' must be an operation object, not {_kind(operation)}")
    if key.lower() == "trace":
        return []
    summary = operation.get("summary") or operation.get("operationId") or ""
    return [(key.upper(), path, str(summary))]
