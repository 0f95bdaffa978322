"""Nullable objects in the OpenAPI document, in the words OpenAPI 3.0 gives them.

drf-spectacular writes a nullable nested serializer as `allOf: [$ref]` beside `nullable: true`
(a `$ref` takes no siblings). OpenAPI 3.0.3 gives `nullable` a meaning only beside a `type`,
so that schema refuses the `null` it means to allow, and linters refuse it
(Redocly's `nullable-type-sibling`). This postprocessing hook writes it as "the object or null"
instead: `oneOf: [$ref, {enum: [null]}]`. An untyped schema admits any value, and its `enum`
narrows that to `null`: the same schema drf-spectacular names `NullEnum` for a nullable choice,
written in place (openapi-python-client finds no class to refer to for it). Client generators
make it `User | None` (openapi-python-client) or `User | null` (openapi-typescript).
"""

from __future__ import annotations

from typing import Any


def only_null() -> dict[str, Any]:
    """The schema that admits `null` and nothing else."""
    return {"enum": [None]}


def _is_untyped_nullable(schema: dict[str, Any]) -> bool:
    return schema.get("nullable") is True and "type" not in schema


def _clean(schema: dict[str, Any], components: dict[str, Any]) -> None:
    """Rewrite `schema` in place if it is nullable without a type."""
    if not _is_untyped_nullable(schema):
        return
    if len(schema.get("allOf", [])) == 1:
        (only,) = schema.pop("allOf")
        schema["oneOf"] = [only, only_null()]
        del schema["nullable"]
    elif "oneOf" in schema:
        # A nullable choice: drf-spectacular adds the `NullEnum` component as a branch.
        branches = [_resolved(branch, components) for branch in schema["oneOf"]]
        if not any(None in branch.get("enum", []) for branch in branches):
            schema["oneOf"].append(only_null())
        del schema["nullable"]


def _resolved(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    prefix = "#/components/schemas/"
    return components.get(ref.removeprefix(prefix), {}) if ref.startswith(prefix) else schema


def _walk(node: Any, components: dict[str, Any]) -> None:
    if isinstance(node, dict):
        _clean(node, components)
        for value in node.values():
            _walk(value, components)
    elif isinstance(node, list):
        for item in node:
            _walk(item, components)


def nullable_objects_as_one_of(result: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: every schema that is `nullable` without a `type` (a nullable
    nested serializer, a nullable choice) says "this or null" with a `oneOf` instead."""
    components = result.get("components", {}).get("schemas", {})
    _walk(result, components)
    return result
