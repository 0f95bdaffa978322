"""`manage.py seed_demo`: demo organizations, people and a platform superuser (idempotent)."""

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand
from django.utils import timezone

from causeloop.core.crypto import encrypt
from causeloop.core.tenancy import enter_platform
from directory.models import Domain
from memberships.models import Membership, User
from memberships.services.invite_codes import invite_code_create
from memberships.services.members import membership_add
from memberships.verification import mark_email_verified
from onboarding.services.onboard import OnboardRequest, onboard_client
from organizations.models import Event, Organization, Run, UsageDay
from organizations.roles import Role
from organizations.selectors import templates_for
from organizations.services.api_keys import api_key_create, api_key_rotate
from organizations.services.integrations import integration_create
from organizations.services.runs import run_start
from organizations.services.templates import TemplateInput, template_create
from organizations.usage import integrations_for
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.signing import new_secret

DEMO_PASSWORD = "causeloop-demo"
PLATFORM_EMAIL = "operator@causeloop.test"


class Command(BaseCommand):
    help = "Load demo data for trying Causeloop locally, and print the logins."

    def handle(self, *args: Any, **options: Any) -> None:
        enter_platform()
        people = {
            "alice@acme.test": "Alice Owner",
            "bob@acme.test": "Bob Admin",
            "carol@acme.test": "Carol Analyst",
            "dave@acme.test": "Dave Member",
            "erin@globex.test": "Erin Owner",
        }
        for email, name in people.items():
            user = User.objects.by_email(email) or User(email=email, name=name)
            user.set_password(DEMO_PASSWORD)
            user.save()
            mark_email_verified(user)  # demo addresses receive no mail
        onboard_client(
            request=OnboardRequest(
                org_name="Acme Corp",
                org_slug="acme",
                owner_email="alice@acme.test",
                owner_name="Alice Owner",
                plan="growth",
                timezone="Europe/London",
                send_welcome_email=False,  # demo addresses receive no mail
            )
        )
        onboard_client(
            request=OnboardRequest(
                org_name="Globex",
                org_slug="globex",
                owner_email="erin@globex.test",
                owner_name="Erin Owner",
                plan="starter",
                send_welcome_email=False,
            )
        )
        acme = Organization.objects.get(slug="acme")
        alice = User.objects.get(email="alice@acme.test")
        for email, role in (
            ("bob@acme.test", Role.ADMIN),
            ("carol@acme.test", Role.ANALYST),
            ("dave@acme.test", Role.MEMBER),
        ):
            if not Membership.objects.filter(organization=acme, user__email=email).exists():
                membership_add(organization=acme, actor=None, email=email, role=role)
        if not templates_for(acme).exists():
            template_create(
                organization=acme,
                actor=alice,
                fields=TemplateInput(
                    name="Weekly summary",
                    kind="prompt",
                    description="Summarises the week's activity for the team.",
                    body="Summarise this week's activity in five bullet points:\n\n{{ activity }}",
                ),
            )
        if not integrations_for(acme).exists():
            integration_create(
                organization=acme,
                actor=alice,
                name="OpenAI production",
                kind="openai",
                credential="sk-demo-" + "0" * 32 + "c0de",
            )
            self._usage_history(acme, alice)
        if not WebhookEndpoint.objects.filter(organization=acme).exists():
            self._webhook_history(acme, alice)
        if not Domain.objects.filter(organization=acme).exists():
            self._company_rules(acme, alice)
        operator = User.objects.by_email(PLATFORM_EMAIL) or User(
            email=PLATFORM_EMAIL, name="Platform Operator"
        )
        operator.is_staff = operator.is_superuser = True
        operator.set_password(DEMO_PASSWORD)
        operator.save()
        mark_email_verified(operator)
        self.stdout.write(
            "Demo data ready. Sign in with any of these (password: "
            f"{DEMO_PASSWORD}):\n"
            "  alice@acme.test   owner of Acme Corp\n"
            "  bob@acme.test     admin of Acme Corp\n"
            "  carol@acme.test   analyst of Acme Corp\n"
            "  dave@acme.test    member of Acme Corp\n"
            "  erin@globex.test  owner of Globex\n"
            f"  {PLATFORM_EMAIL}  platform operator (/platform-admin/)"
        )

    @staticmethod
    def _usage_history(organization: Organization, person: User) -> None:
        """Four weeks of finished runs, so the dashboard's chart has a shape, then two running
        today through the real service."""
        zone = ZoneInfo(organization.timezone)
        today = timezone.now().astimezone(zone).date()
        runs, days = [], []
        for back in range(29, 0, -1):
            day = today - timedelta(days=back)
            count = (3, 7, 11, 6, 14, 2, 1)[day.weekday()]
            started = datetime.combine(day, time(10), tzinfo=zone)
            days.append(UsageDay(organization=organization, day=day, runs=count))
            runs += [
                Run(
                    organization=organization,
                    name=f"Nightly report {n + 1}",
                    status=Run.Status.SUCCEEDED if n % 5 else Run.Status.FAILED,
                    day=day,
                    started_at=started + timedelta(minutes=7 * n),
                    finished_at=started + timedelta(minutes=7 * n + 3),
                    started_by_user=person,
                )
                for n in range(count)
            ]
        UsageDay.objects.bulk_create(days)
        Run.objects.bulk_create(runs)
        for name in ("Support triage", "Weekly summary"):
            run_start(organization=organization, actor=person, name=name)

    @staticmethod
    def _company_rules(organization: Organization, person: User) -> None:
        """SPEC §11 to look at: acme.test verified (its DNS is made up, so it is marked verified
        here) with people on it offered to join in the wizard; an invite code with rules; the
        a "Deploy" API key rotated with a day's grace, so the keys page counts it down."""
        Domain.objects.create(
            organization=organization,
            name="acme.test",
            policy=Domain.Policy.SUGGEST,
            created_by=person,
            verified_at=timezone.now(),
            checked_at=timezone.now(),
        )
        invite_code_create(
            organization=organization,
            actor=person,
            role=Role.ANALYST,
            max_uses=10,
            email_domain="acme.test",
            expires_in_days=30,
        )
        deploy_key, _secret = api_key_create(organization=organization, actor=person, name="Deploy")
        api_key_rotate(api_key=deploy_key, actor=person, grace_period_hours=24)

    @staticmethod
    def _webhook_history(organization: Organization, person: User) -> None:
        """An endpoint with a delivery log to look at. Its host is made up, so it is disabled:
        point it at a receiver of your own (http://127.0.0.1 works in `make run`) and enable
        it, or add another."""
        endpoint = WebhookEndpoint.objects.create(
            organization=organization,
            url="https://hooks.acme.test/causeloop",
            description="Demo receiver: point it at your own URL, then enable it",
            event_types=["member.*", "run.refused", "api_key.*"],
            enabled=False,
            disabled_reason=WebhookEndpoint.DisabledReason.MANUAL,
            secret=encrypt(new_secret().encode()),
            created_by=person,
            created_at=timezone.now() - timedelta(days=3),
        )
        events = list(Event.objects.filter(organization=organization).order_by("-id")[:12])
        now = timezone.now()
        deliveries = []
        for n, event in enumerate(events):
            failed = n == 2
            deliveries.append(
                WebhookDelivery(
                    organization=organization,
                    endpoint=endpoint,
                    event=event,
                    state="failed" if failed else "succeeded",
                    attempts=8 if failed else 1 + (n == 5),
                    response_status=503 if failed else 200,
                    response_body="upstream unavailable" if failed else '{"ok":true}',
                    duration_ms=(41, 87, 15012, 63, 55, 120)[n % 6],
                    error="The endpoint answered 503." if failed else "",
                    last_attempt_at=now - timedelta(minutes=9 * n),
                    created_at=now - timedelta(minutes=9 * n + 1),
                )
            )
        WebhookDelivery.objects.bulk_create(deliveries)
