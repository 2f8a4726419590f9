"""The HTTP contract as the server keeps it: the OpenAPI schema says exactly which statuses and
error bodies each route can return, and a method a path does not declare is answered 405.

FastAPI's generated schema promises its own validation error (``HTTPValidationError``, a list
under ``detail``) on every route with a parameter, and the bearer scheme even when no API key is
set; neither is what this server sends, so the schema is corrected here once, when first asked.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

_FASTAPI_422 = "#/components/schemas/HTTPValidationError"


def install(app: FastAPI, keyed: bool) -> None:
    """Make ``app.openapi()`` describe what the server returns. ``keyed``: whether
    ``ASSISTANT_API_KEY`` is set (only then do the changing routes need a bearer key)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = correct(build(), keyed)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def correct(schema: dict[str, Any], keyed: bool) -> dict[str, Any]:
    """The generated schema with FastAPI's own 422 removed where the route does not send it
    (routes that do declare :class:`assistant.models.ValidationErrorBody` themselves), and
    without the bearer scheme when no key is configured."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            got = responses.get("422", {}).get("content", {}).get("application/json", {}).get("schema", {})
            if got.get("$ref") == _FASTAPI_422:
                del responses["422"]
            if not keyed and operation.pop("security", None) is not None:
                responses.pop("401", None)
                responses.pop("403", None)
    components = schema.get("components", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.get("schemas", {}).pop(name, None)
    if not keyed:
        components.pop("securitySchemes", None)
    return schema


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """The methods the schema declares for ``path`` (empty when the schema has no such path).

    Read from the schema itself, so a 405's ``Allow`` header and the schema cannot disagree. A
    template's last parameter may hold slashes (``/api/documents/{source}`` takes
    ``folder/a.txt``), the others one segment each.
    """
    table: list[tuple[re.Pattern[str], list[str]]] | None = getattr(app.state, "route_methods", None)
    if table is None:
        table = []
        for template, operations in app.openapi().get("paths", {}).items():
            pattern = re.sub(r"\\\{[^}]+\\\}$", ".+", re.escape(template))
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
            table.append((re.compile(f"^{pattern}$"), sorted(m.upper() for m in operations)))
        app.state.route_methods = table
    for regex, methods in table:
        if regex.match(path):
            return methods
    return []
