"""The SCIM service as a whole: its one credential (a usable SCIM token, found in one indexed
query, naming the only organization reachable), what it says about itself, its errors for
anything a client may send, and its rate limit."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from directory.models import DirectoryUser, ScimToken
from directory.services.scim_tokens import scim_token_create, scim_token_revoke
from memberships.services.tokens import personal_token_create
from organizations.services.api_keys import api_key_provision
from tests.directory.conftest import ScimClient, new_user, patch_of, scim_error
from tests.factories import organization_with_owner

pytestmark = pytest.mark.django_db

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"

# --- credentials -----------------------------------------------------------------------------


def test_no_token_or_a_bad_one_is_401_in_scims_shape(acme, token_and_secret):
    organization, owner = acme
    _key, api_key = api_key_provision(organization=organization, name="not for SCIM")
    _pat, personal = personal_token_create(user=owner)
    secret = token_and_secret[1]
    credentials = [
        None,
        "Bearer scim_wrong",
        f"Bearer {api_key}",
        f"Bearer {personal}",
        f"Basic {secret}",
        f"Bearer {secret}x",
        f"Bearer {secret}{'x' * 300}",
    ]
    for credential in credentials:
        client = ScimClient(secret)
        client.client.credentials(**({"HTTP_AUTHORIZATION": credential} if credential else {}))
        response = client.get("/Users")
        scim_error(response, 401)
        assert response["WWW-Authenticate"] == 'Bearer realm="scim"'


def test_a_revoked_token_stops_working_at_once(scim, acme, token_and_secret):
    _organization, owner = acme
    assert scim.get("/Users").status_code == 200
    scim_token_revoke(token=token_and_secret[0], actor=owner)
    scim_error(scim.get("/Users"), 401)
    scim_error(scim.post("/Users", new_user("ada@acme.test")), 401)
    assert not DirectoryUser.objects.exists()


def test_a_token_is_found_in_one_indexed_query_and_its_use_recorded(scim, token_and_secret):
    token = token_and_secret[0]
    assert token.last_used_at is None
    scim.get("/ServiceProviderConfig")
    token.refresh_from_db()
    assert token.last_used_at is not None
    with CaptureQueriesContext(connection) as captured:
        assert scim.get("/ServiceProviderConfig").status_code == 200
    lookups = [q["sql"] for q in captured if "directory_scimtoken" in q["sql"]]
    assert len(lookups) == 1  # the lookup; last_used_at is written at most once a minute
    assert "key_hash" in lookups[0]


def test_one_organizations_token_reaches_nothing_of_another(scim, acme):
    other, other_owner = organization_with_owner(email="owner@bravo.test")
    _token, other_secret = scim_token_create(organization=other, actor=other_owner, name="Bravo")
    bravo = ScimClient(other_secret)
    theirs = bravo.post("/Users", new_user("ada@bravo.test", displayName="Ada B")).json()["id"]
    mine = scim.post("/Users", new_user("ada@acme.test")).json()["id"]

    assert [r["id"] for r in scim.get("/Users").json()["Resources"]] == [mine]
    for response in (
        scim.get(f"/Users/{theirs}"),
        scim.put(f"/Users/{theirs}", new_user("hijacked@acme.test")),
        scim.patch(
            f"/Users/{theirs}", patch_of({"op": "replace", "path": "active", "value": False})
        ),
        scim.delete(f"/Users/{theirs}"),
    ):
        scim_error(response, 404)
    body = scim.get(f"/Users?filter={quote(f'id eq "{theirs}"')}").json()
    assert body["totalResults"] == 0
    members = scim.get("/Groups/member").json().get("members", [])
    assert [member["value"] for member in members] == [mine]
    record = DirectoryUser.objects.get(pk=theirs)
    assert (record.user_name, record.active, record.attributes) == (
        "ada@bravo.test",
        True,
        {"displayName": "Ada B"},
    )


# --- what it says about itself -----------------------------------------------------------------


def test_the_service_provider_config(scim):
    response = scim.get("/ServiceProviderConfig")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/scim+json"
    config = response.json()
    assert config["patch"] == {"supported": True}
    assert config["bulk"]["supported"] is False
    assert config["filter"] == {"supported": True, "maxResults": 100}
    assert config["changePassword"] == {"supported": False}
    assert config["sort"] == {"supported": False}
    assert config["etag"] == {"supported": False}
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    assert config["meta"]["location"] == "http://testserver/scim/v2/ServiceProviderConfig"


def test_the_schemas_publish_only_what_is_kept(scim):
    body = scim.get("/Schemas").json()
    assert body["totalResults"] == 2
    user, group = body["Resources"]
    assert user["id"] == USER_SCHEMA
    assert [a["name"] for a in user["attributes"]] == [
        "userName",
        "name",
        "displayName",
        "emails",
        "active",
        "groups",
    ]
    attributes = {a["name"]: a for a in user["attributes"]}
    assert [s["name"] for s in attributes["name"]["subAttributes"]] == [
        "formatted",
        "familyName",
        "givenName",
    ]
    assert [s["name"] for s in attributes["emails"]["subAttributes"]] == [
        "value",
        "type",
        "primary",
    ]
    assert attributes["emails"]["required"] is True
    assert attributes["active"]["required"] is True
    assert attributes["groups"]["mutability"] == "readOnly"
    assert "\n" not in attributes["emails"]["description"]
    assert [a["name"] for a in group["attributes"]] == ["displayName", "members"]
    assert group["attributes"][0]["mutability"] == "readOnly"
    one = scim.get(f"/Schemas/{USER_SCHEMA}")
    assert one.status_code == 200
    assert one.json()["id"] == USER_SCHEMA
    scim_error(scim.get("/Schemas/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"), 404)


def test_the_resource_types(scim):
    body = scim.get("/ResourceTypes").json()
    assert [(r["id"], r["endpoint"], r["schema"]) for r in body["Resources"]] == [
        ("User", "/Users", USER_SCHEMA),
        ("Group", "/Groups", "urn:ietf:params:scim:schemas:core:2.0:Group"),
    ]
    assert scim.get("/ResourceTypes/Group").json()["name"] == "Group"
    scim_error(scim.get("/ResourceTypes/Device"), 404)


@pytest.mark.parametrize("path", ["/ServiceProviderConfig", "/Schemas", "/ResourceTypes"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_discovery_endpoints_are_read_only(scim, path, method):
    scim_error(getattr(scim, method)(path), 405)


def test_a_trailing_slash_is_welcome_and_unknown_paths_are_scim_404s(scim):
    assert scim.get("/Users/").status_code == 200
    for path in ("/Devices", "/Users/a/b", "", "/../api/v1/me"):
        scim_error(scim.get(path), 404)
    scim_error(scim.client.get("/scim/v1/Users"), 404)


# --- refused input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "status", "scim_type"),
    [
        ("{bad json", "application/scim+json", 400, "invalidSyntax"),
        ("[1, 2]", "application/scim+json", 400, "invalidSyntax"),
        ('"text"', "application/scim+json", 400, "invalidSyntax"),
        ('{"userName": "a\\u0000b@acme.test"}', "application/scim+json", 400, "invalidValue"),
        ("[" * 40 + "]" * 40, "application/scim+json", 400, "invalidValue"),
        ('{"userName": "ada@acme.test"}', "text/plain", 415, None),
        ("userName=ada", "application/x-www-form-urlencoded", 415, None),
    ],
)
def test_bodies_that_are_not_scim_json_are_refused(
    scim, acme, body, content_type, status, scim_type
):
    response = scim.client.post("/scim/v2/Users", body, content_type=content_type)
    scim_error(response, status, scim_type)
    assert not DirectoryUser.objects.exists()


def test_a_plain_json_content_type_is_read_too(scim, acme):
    response = scim.client.post(
        "/scim/v2/Users", {"schemas": [USER_SCHEMA], "userName": "ada@acme.test"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/scim+json"


def test_a_nul_character_in_the_query_string_is_refused_before_any_view(scim):
    response = scim.client.get("/scim/v2/Users?filter=%00")
    scim_error(response, 400)


def test_a_body_over_the_limit_is_refused(scim, acme, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = new_user("ada@acme.test", displayName="x" * 2000)
    scim_error(scim.post("/Users", body), 413)
    assert not DirectoryUser.objects.exists()


# --- rate limit --------------------------------------------------------------------------------


def test_each_token_has_its_rate_limit_of_changes(scim, acme, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "scim": "3/m/key"}
    organization, owner = acme
    for n in range(3):
        assert scim.post("/Users", new_user(f"p{n}@acme.test")).status_code == 201
    response = scim.post("/Users", new_user("p3@acme.test"))
    scim_error(response, 429)
    assert 0 < int(response["Retry-After"]) <= 60
    assert not DirectoryUser.objects.filter(user_name="p3@acme.test").exists()
    assert scim.get("/Users").status_code == 200  # reads are not counted, as in the API
    _token, other = scim_token_create(organization=organization, actor=owner, name="Entra")
    assert ScimClient(other).post("/Users", new_user("p3@acme.test")).status_code == 201


def test_last_use_is_written_at_most_once_a_minute(scim, token_and_secret):
    token = token_and_secret[0]
    a_while_ago = timezone.now() - timedelta(minutes=5)
    ScimToken.objects.filter(pk=token.pk).update(last_used_at=a_while_ago)
    scim.get("/ServiceProviderConfig")
    token.refresh_from_db()
    assert token.last_used_at > a_while_ago
