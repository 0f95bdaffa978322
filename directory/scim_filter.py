"""SCIM filters (RFC 7644 §3.4.2.2) on directory users, as database queries.

scim2-models parses a filter and checks it against the User resource (`ScimFilter[User]`);
this module turns the parsed expression into a Django `Q` over the columns and the stored
attributes, so a page of matches and its total come from the database. Equality on userName
reads the `lower(user_name)` index, on externalId the `(organization, external_id)` one.
Anything else a filter may say (`gt` on a name, a filter inside `emails[…]` other than on its
value) is refused with `invalidFilter`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, F, Func, Q, Value
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.db.models.sql.compiler import SQLCompiler
from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    FilterVisitor,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)

from directory.scim import User

_TEXT_LOOKUPS = {
    CompareOperator.eq: "iexact",
    CompareOperator.co: "icontains",
    CompareOperator.sw: "istartswith",
    CompareOperator.ew: "iendswith",
}
_MOMENT_LOOKUPS = {
    CompareOperator.eq: "exact",
    CompareOperator.gt: "gt",
    CompareOperator.ge: "gte",
    CompareOperator.lt: "lt",
    CompareOperator.le: "lte",
}
# Attributes kept in the `attributes` JSON, by their path there.
_STORED_TEXT = {
    "displayName": "attributes__displayName",
    "name.formatted": "attributes__name__formatted",
    "name.givenName": "attributes__name__givenName",
    "name.familyName": "attributes__name__familyName",
}
_MOMENTS = {"meta.created": "created_at", "meta.lastModified": "updated_at"}


class HasEmail(Func):
    """Whether a record's stored `emails` hold the address `value` (compared in lower case)."""

    output_field = BooleanField()

    def __init__(self, value: str) -> None:
        super().__init__(F("attributes"), Value(value.lower()))

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        column, column_params = compiler.compile(self.source_expressions[0])
        value, value_params = compiler.compile(self.source_expressions[1])
        sql = (
            f"EXISTS (SELECT 1 FROM json_each({column}, '$.emails') AS e "  # noqa: S608 - compiled
            f"WHERE lower(json_extract(e.value, '$.value')) = {value})"
        )
        return sql, (*column_params, *value_params)

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        column, column_params = compiler.compile(self.source_expressions[0])
        value, value_params = compiler.compile(self.source_expressions[1])
        emails = f"({column} -> 'emails')"
        sql = (
            "EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof("  # noqa: S608
            f"{emails}) = 'array' THEN {emails} ELSE '[]'::jsonb END) AS e "
            f"WHERE lower(e ->> 'value') = {value})"
        )
        return sql, (*column_params, *column_params, *value_params)


def _refused(node: Any, why: str = "is not supported here") -> InvalidFilterException:
    return InvalidFilterException(detail=f"The filter “{node}” {why}.")


def _name(attr_path: AttrPath) -> str:
    """The attribute's name without its schema URN: `name.givenName`."""
    return f"{attr_path.attr}.{attr_path.sub_attr}" if attr_path.sub_attr else attr_path.attr


def _string(node: Comparison) -> str:
    if not isinstance(node.value, str):
        raise _refused(node, "compares with a value that is not a string")
    return node.value


class _ToQuery(FilterVisitor[Q]):
    """A filter's expression as a `Q` over `DirectoryUser`."""

    def visit_logical_expr(self, node: LogicalExpr) -> Q:
        terms = [self.visit(term) for term in node.terms]
        result = terms[0]
        for term in terms[1:]:
            result = result & term if node.op == LogicalOperator.and_ else result | term
        return result

    def visit_not(self, node: Not) -> Q:
        return ~self.visit(node.expr)

    def visit_present(self, node: Present) -> Q:
        name = _name(node.attr_path)
        if name in ("id", "userName", "active", "meta.created", "meta.lastModified"):
            return Q()  # always there
        if name == "externalId":
            return ~Q(external_id="")
        if name in ("emails", "emails.value"):
            return Q(attributes__has_key="emails")
        if name in _STORED_TEXT:
            path, _, key = _STORED_TEXT[name].rpartition("__")
            return Q(**{f"{path}__has_key": key})
        raise _refused(node)

    def visit_value_path(self, node: ValuePath) -> Q:
        inner = node.val_filter
        if (
            node.attr_path.attr == "emails"
            and isinstance(inner, Comparison)
            and inner.attr_path.attr == "value"
            and inner.attr_path.sub_attr is None
            and inner.op == CompareOperator.eq
        ):
            return Q(HasEmail(_string(inner)))
        raise _refused(node)

    def visit_comparison(self, node: Comparison) -> Q:
        name = _name(node.attr_path)
        operator = CompareOperator.eq if node.op == CompareOperator.ne else node.op
        handler = _COMPARISONS.get(name)
        if handler is None:
            raise _refused(node)
        matched = handler(node, operator)
        return ~matched if node.op == CompareOperator.ne else matched


def _user_name(node: Comparison, operator: CompareOperator) -> Q:
    value = _string(node)
    if operator == CompareOperator.eq:
        # lower(user_name) = …: the expression of the unique index.
        return Q(Exact(Lower("user_name"), Value(value.lower())))
    return _text("user_name", node, operator)


def _external_id(node: Comparison, operator: CompareOperator) -> Q:
    value = _string(node)
    lookups = {
        CompareOperator.eq: "exact",
        CompareOperator.co: "contains",
        CompareOperator.sw: "startswith",
        CompareOperator.ew: "endswith",
    }
    if operator not in lookups:
        raise _refused(node)
    return Q(**{f"external_id__{lookups[operator]}": value})


def _text(field: str, node: Comparison, operator: CompareOperator) -> Q:
    if operator not in _TEXT_LOOKUPS:
        raise _refused(node)
    return Q(**{f"{field}__{_TEXT_LOOKUPS[operator]}": _string(node)})


def _stored_text(name: str) -> Callable[[Comparison, CompareOperator], Q]:
    return lambda node, operator: _text(_STORED_TEXT[name], node, operator)


def _active(node: Comparison, operator: CompareOperator) -> Q:
    if operator != CompareOperator.eq or not isinstance(node.value, bool):
        raise _refused(node)
    return Q(active=node.value)


def _id(node: Comparison, operator: CompareOperator) -> Q:
    if operator != CompareOperator.eq:
        raise _refused(node)
    return Q(pk=_string(node))


def _email(node: Comparison, operator: CompareOperator) -> Q:
    if operator != CompareOperator.eq:
        raise _refused(node)
    return Q(HasEmail(_string(node)))


def _moment(name: str) -> Callable[[Comparison, CompareOperator], Q]:
    def compare(node: Comparison, operator: CompareOperator) -> Q:
        try:
            moment = datetime.fromisoformat(_string(node))
        except ValueError:
            raise _refused(node, "needs a date and time such as 2026-01-31T12:00:00Z") from None
        if operator not in _MOMENT_LOOKUPS or moment.tzinfo is None:
            raise _refused(node)
        return Q(**{f"{_MOMENTS[name]}__{_MOMENT_LOOKUPS[operator]}": moment})

    return compare


_COMPARISONS: dict[str, Callable[[Comparison, CompareOperator], Q]] = {
    "id": _id,
    "userName": _user_name,
    "externalId": _external_id,
    "active": _active,
    "emails": _email,
    "emails.value": _email,
    **{name: _stored_text(name) for name in _STORED_TEXT},
    **{name: _moment(name) for name in _MOMENTS},
}


def user_filter_query(parsed: ScimFilter[User]) -> Q:
    """The `Q` selecting the directory users a filter matches (one parsed and checked against
    the User resource: `SearchRequest[User]` does both); `invalidFilter` for what it says
    that has no translation here."""
    return _ToQuery().visit(parsed.ast)
