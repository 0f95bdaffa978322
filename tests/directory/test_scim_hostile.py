"""No request makes the SCIM service fail: a seeded stream of odd PATCH operations, bodies and
query strings (wrong types, unknown paths, filters that do not parse) gets a SCIM error or a
success, never a 5xx, and every refusal is SCIM's error document."""

import json
import random
from urllib.parse import quote

import pytest

from tests.directory.conftest import ERROR_SCHEMA, USER_SCHEMA, new_user, patch_of

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

VALUES = [
    None, True, 0, -1, 1.5, "", "x", "a@b.test", [], [1], {}, {"value": 5}, [{"value": None}],
    [{"value": "a@b.test", "primary": "yes"}], {"givenName": 5}, "\u200b", "é" * 300, [[[]]],
    {"$ref": 5}, [{"value": "dus_01jd8x0000000000000000000", "type": "Group"}],
]  # fmt: skip
PATHS = [
    None, "", "userName", "name", "name.givenName", "emails", "emails.value",
    'emails[type eq "work"]', "emails[value eq 5]", 'emails[type eq "work"].value', "active",
    "groups", "groups.value", "meta", "meta.created", "id", "externalId", "displayName",
    "members", 'members[value eq "x"]', "urn:x:y", "nope", "emails[", "name.nope", "schemas",
]  # fmt: skip
OPS = ["add", "remove", "replace", "Add", "bogus", 5, None]
FILTER_PARTS = [
    "userName", "emails", "emails.value", "active", "meta.lastModified", "members", "title",
    "eq", "co", "gt", "pr", "and", "or", "not", "(", ")", "[", "]", '"x"', "true", "null", "5",
    '"2026-01-01T00:00:00Z"', "displayName", "value",
]  # fmt: skip


def _check(response):
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/scim+json"
        assert response.json()["schemas"] == [ERROR_SCHEMA]


def test_odd_requests_get_answers_not_failures(scim, acme, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "scim": "100000/m/key"}
    user_id = scim.post("/Users", new_user("fuzz@acme.test")).json()["id"]
    chance = random.Random(14)
    for n in range(120):
        operation = {"op": chance.choice(OPS)}
        if (path := chance.choice(PATHS)) is not None:
            operation["path"] = path
        if chance.random() < 0.8:
            operation["value"] = chance.choice(VALUES)
        target = chance.choice([f"/Users/{user_id}", "/Groups/admin", "/Groups/member"])
        _check(scim.patch(target, patch_of(operation)))

        body = {"schemas": [USER_SCHEMA], "userName": chance.choice([*VALUES, f"p{n}@a.test"])}
        for name in ("name", "emails", "active", "displayName", "externalId", "groups", "meta"):
            if chance.random() < 0.3:
                body[name] = chance.choice(VALUES)
        _check(scim.put(f"/Users/{user_id}", body))
        created = scim.post("/Users", body)
        _check(created)
        if created.status_code == 201:
            _check(scim.delete(f"/Users/{created.json()['id']}"))

        text = " ".join(chance.choice(FILTER_PARTS) for _ in range(chance.randint(1, 7)))
        for resource in ("Users", "Groups"):
            _check(scim.get(f"/{resource}?filter={quote(text)}&count={chance.randint(-3, 300)}"))
            _check(
                scim.post(f"/{resource}/.search", {"filter": text, "attributes": VALUES[n % 20]})
            )
        attributes = quote(chance.choice(PATHS) or "")
        _check(scim.get(f"/Users/{user_id}?attributes={attributes}"))
    _check(scim.post("/Users", json.dumps(VALUES)))
