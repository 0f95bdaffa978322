"""Domains in the platform admin: operators find them by name, ID or organization, see whether
each is verified and its token, and change nothing there (the organization's admins do, through
the audited services)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from directory.models import Domain
from tests.directory.domain_data import make_domain
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:directory_domain_changelist")


@pytest.fixture
def domains():
    acme = OrganizationFactory(name="Acme", slug="acme")
    other = OrganizationFactory(name="Other", slug="other")
    return make_domain(acme, "acme.test", verified=True), make_domain(other, "other.test")


def test_operators_list_and_search_domains(staff_client, domains):
    _verified, pending = domains
    page = staff_client.get(CHANGELIST).content.decode()
    assert "acme.test" in page
    assert "other.test" in page
    for query, shown, hidden in [
        ("acme.test", "acme.test", "other.test"),
        (pending.pk, "other.test", "acme.test"),
        ("other", "other.test", "acme.test"),  # the organization's slug
    ]:
        found = staff_client.get(CHANGELIST, {"q": query}).content.decode()
        assert shown in found
        assert hidden not in found
    only_verified = staff_client.get(CHANGELIST, {"verified_at__isempty": "0"}).content.decode()
    assert "acme.test" in only_verified
    assert "other.test" not in only_verified


def test_operators_see_the_token_and_change_nothing(staff_client, domains):
    verified, _pending = domains
    detail = staff_client.get(reverse("admin:directory_domain_change", args=[verified.pk]))
    assert detail.status_code == 200
    text = detail.content.decode()
    assert verified.token in text
    assert 'name="token"' not in text  # shown, not editable
    assert staff_client.get(reverse("admin:directory_domain_add")).status_code == 403
    delete = reverse("admin:directory_domain_delete", args=[verified.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    change = reverse("admin:directory_domain_change", args=[verified.pk])
    staff_client.post(change, {"name": "hijacked.test", "policy": "auto_join"})
    assert Domain.objects.get(pk=verified.pk).name == "acme.test"
