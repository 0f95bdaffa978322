"""`/admin/domains/` (admins and owners, SPEC §11): the active organization's email domains, by
name, a page at a time — add one, see the TXT record to publish (name and value, each with a
copy button), verify it (the lookup's message said when DNS does not hold the record yet),
choose its policy, and remove it after the confirmation dialog (`web.pages.confirm`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from causeloop.core.errors import Conflict, DomainError, RateLimited
from causeloop.web.pages import confirm
from causeloop.web.pages.base import OrganizationPage, apply_error
from causeloop.web.pages.paging import numbered_list
from causeloop.web.throttling import limit
from directory.forms import DomainForm, PolicyForm
from directory.models import Domain
from directory.selectors.domains import domain_of, domains_for
from directory.services.domains import (
    domain_add,
    domain_remove,
    domain_set_policy,
    domain_verify,
)
from organizations.audit_text import ago
from organizations.roles import Role


def remove_domain(domain: Domain) -> confirm.Confirmation:
    verified = " Another organization may then verify it." if domain.is_verified else ""
    return confirm.Confirmation(
        title=f"Remove the domain {domain.name}?",
        message=f"People with an address on {domain.name} are no longer offered to join or "
        f"added by it; the members it brought in stay.{verified} To use it again, add it and "
        "verify it anew.",
        button="Remove domain",
        fields=(("action", "remove"), ("domain", domain.pk)),
    )


@dataclass(frozen=True)
class DomainRow:
    domain: Domain
    policy_form: PolicyForm
    checked_ago: str
    remove: confirm.Confirmation


class DomainsPage(OrganizationPage):
    """The domains, and the form that adds one."""

    required_role = Role.ADMIN

    def _list(self, form: DomainForm | None = None, status: int = 200) -> HttpResponse:
        domains, pager = numbered_list(self.request, domains_for(self.organization))
        rows = [
            DomainRow(
                domain,
                PolicyForm(initial={"policy": domain.policy}, prefix=domain.pk),
                ago(domain.checked_at),
                remove_domain(domain),
            )
            for domain in domains
        ]
        return self.page(
            "directory/domains.html",
            status=400 if pager.notice else status,
            rows=rows,
            pager=pager,
            form=form or DomainForm(),
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._list()

    def post(self, request: HttpRequest) -> HttpResponse:
        action = request.POST.get("action", "")
        if action == "add":
            return self._add(request)
        if action not in ("verify", "policy", "remove"):
            raise BadRequest("Unknown action.")
        domain = domain_of(self.organization, request.POST.get("domain"))
        if action == "verify":
            return self._verify(domain)
        if action == "policy":
            form = PolicyForm(request.POST, prefix=domain.pk)
            if not form.is_valid():
                messages.error(request, "Choose suggest joining or join automatically.")
                return HttpResponseRedirect(request.path)
            domain_set_policy(domain=domain, actor=self.person, policy=form.cleaned_data["policy"])
            return self.done(f"Policy saved. {self._policy_words(domain)}")
        if not confirm.confirmed(request):
            return confirm.confirmation_page(self, remove_domain(domain))
        domain_remove(domain=domain, actor=self.person)
        return self.done(f"Domain {domain.name} removed.")

    def _add(self, request: HttpRequest) -> HttpResponse:
        form = DomainForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                domain = domain_add(
                    organization=self.organization,
                    actor=self.person,
                    domain=form.cleaned_data["domain"],
                    policy=form.cleaned_data["policy"],
                )
                return self.done(
                    f"Domain {domain.name} added. Publish its TXT record at your DNS provider, "
                    "then verify it."
                )
            except DomainError as error:
                apply_error(form, error)
                status = error.status_code
        return self._list(form, status=status)

    def _verify(self, domain: Domain) -> HttpResponse:
        try:
            limit(self.request, "domain_verify", key=str(domain.organization_id))
            domain = domain_verify(domain=domain, actor=self.person)
        # Not there (yet), claimed elsewhere (the lookup's own words), or asked too often.
        except (Conflict, RateLimited) as refused:
            messages.error(self.request, f"{domain.name} is not verified: {refused.message}")
            return HttpResponseRedirect(self.request.path)
        return self.done(f"{domain.name} is verified. {self._policy_words(domain)}")

    @staticmethod
    def _policy_words(domain: Domain) -> str:
        if not domain.is_verified:
            return f"It applies to people on {domain.name} once the domain is verified."
        if domain.policy == Domain.Policy.AUTO_JOIN:
            return (
                f"People who verify an address on {domain.name} now join as members automatically."
            )
        return f"People who sign up with an address on {domain.name} are now offered to join."
