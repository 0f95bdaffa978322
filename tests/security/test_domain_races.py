"""Two organizations verifying one domain at the same moment, each on its own connection as the
application role, both finding their record in DNS (a real server on loopback): the partial
unique index decides — exactly one is verified, the other is told `domain_claimed`."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import transaction

from causeloop.core.errors import DomainError
from causeloop.core.tenancy import enter_tenant, platform_work
from directory.models import Domain
from directory.services.domains import domain_verify
from organizations.models import AuditLog
from organizations.roles import Role
from tests.directory.dns_server import dns_server  # noqa: F401  (a fixture)
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.security.test_races import run_concurrently

pytestmark = [
    pytest.mark.usefixtures("as_app", "_no_zeal"),
    pytest.mark.xdist_group("many_connections"),
]


@pytest.mark.parametrize("attempt", range(3))
def test_two_organizations_verifying_one_domain_at_once_leave_one_owner(
    dns_server,  # noqa: F811
    attempt,
):
    racers = []
    with platform_work():
        for _ in range(2):
            organization = OrganizationFactory()
            admin = UserFactory()
            MembershipFactory(user=admin, organization=organization, role=Role.ADMIN)
            domain = Domain.objects.create(organization=organization, name="acme.test")
            racers.append((organization, admin, domain))
    dns_server.publish("acme.test", *(domain.txt_record for _org, _admin, domain in racers))

    def verify(organization, admin, domain):
        def as_a_request():
            # As a request does: the refusal is answered, and what was recorded is committed.
            with transaction.atomic():
                enter_tenant(organization)
                found = Domain.objects.select_related("organization").get(pk=domain.pk)
                try:
                    return domain_verify(domain=found, actor=admin).is_verified
                except DomainError as refused:
                    return refused.code

        return as_a_request

    outcomes = run_concurrently([verify(*racer) for racer in racers])
    assert Counter(value for _kind, value in outcomes) == Counter({True: 1, "domain_claimed": 1})
    with platform_work():
        verified = Domain.objects.filter(name="acme.test", verified_at__isnull=False)
        assert verified.count() == 1
        loser = Domain.objects.get(name="acme.test", verified_at__isnull=True)
        assert "Another organization has already verified" in loser.check_error
        assert AuditLog.objects.filter(action="domain.verified").count() == 1
        assert (
            AuditLog.objects.get(action="domain.verified").organization_id
            == verified.get().organization_id
        )
