"""`causeloop.core.keyset`: pages by keyset, newest first and earliest first, through a list
forwards and back, with moments that tie."""

from datetime import timedelta

import pytest
from django.utils import timezone

from causeloop.core.errors import ValidationFailed
from causeloop.core.keyset import keyset_page
from memberships.models import Membership
from tests import bulk
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def memberships():
    """Seven members; the third and fourth joined at the same moment (the ID breaks the tie)."""
    organization = OrganizationFactory()
    joined = bulk.members(organization, 7)
    tied = joined[2].joined_at
    Membership.objects.filter(pk=joined[3].pk).update(joined_at=tied)
    return Membership.objects.filter(organization=organization)


def _walk(rows, *, descending, size=3):
    """Every page, following the next links, then back following the previous ones."""
    forward, page = [], keyset_page(rows, moment="joined_at", size=size, descending=descending)
    forward.append([m.pk for m in page.rows])
    while page.older:
        page = keyset_page(
            rows, moment="joined_at", after=page.older, size=size, descending=descending
        )
        forward.append([m.pk for m in page.rows])
    backward = []
    while page.newer:
        page = keyset_page(
            rows, moment="joined_at", before=page.newer, size=size, descending=descending
        )
        backward.append([m.pk for m in page.rows])
    return forward, backward


def test_an_earliest_first_list_pages_forwards_and_back(memberships):
    ordered = list(memberships.order_by("joined_at", "id").values_list("pk", flat=True))
    forward, backward = _walk(memberships.order_by("joined_at", "id"), descending=False)
    assert forward == [ordered[0:3], ordered[3:6], ordered[6:7]]
    assert backward == [ordered[3:6], ordered[0:3]]


def test_a_newest_first_list_pages_forwards_and_back(memberships):
    ordered = list(memberships.order_by("-joined_at", "-id").values_list("pk", flat=True))
    forward, backward = _walk(memberships.order_by("-joined_at", "-id"), descending=True)
    assert forward == [ordered[0:3], ordered[3:6], ordered[6:7]]
    assert backward == [ordered[3:6], ordered[0:3]]


def test_a_page_link_stays_right_while_rows_are_added_at_the_end(memberships):
    rows = memberships.order_by("joined_at", "id")
    first = keyset_page(rows, moment="joined_at", size=3, descending=False)
    organization = first.rows[0].organization
    later = bulk.members(organization, 1, prefix="late")[0]
    Membership.objects.filter(pk=later.pk).update(joined_at=timezone.now() + timedelta(days=1))
    second = keyset_page(rows, moment="joined_at", after=first.older, size=3, descending=False)
    assert second.rows[0].pk == list(rows.values_list("pk", flat=True))[3]


@pytest.mark.parametrize("cursor", ["nonsense", "1.mem_x", "9" * 30 + ".mem_" + "0" * 26])
def test_a_cursor_that_is_not_one_is_refused(memberships, cursor):
    with pytest.raises(ValidationFailed) as refused:
        keyset_page(memberships.order_by("joined_at", "id"), moment="joined_at", after=cursor)
    assert refused.value.code == "invalid_cursor"
