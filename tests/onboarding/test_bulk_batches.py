"""onboard_clients in batches: the same database as one row per transaction, safe re-runs, a
bad row or a failed batch never losing the rows around it."""

import io
import json
from datetime import datetime

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth.hashers import is_password_usable
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import IntegrityError, OperationalError, transaction
from zeal import zeal_ignore

import onboarding.services.batch as batch
from memberships.models import Membership, User
from onboarding.services.onboard import OnboardRequest, onboard_client
from organizations.models import (
    AuditLog,
    Event,
    Organization,
    Subscription,
    Workspace,
    WorkspaceSettings,
)
from organizations.roles import Role
from tests.app_role import APP_ROLE, _execute
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

HEADER = "name,slug,email,plan,owner_name,workspace_name,timezone,seats,send_welcome_email\n"
# Batches of 3 rows (`--batch-size 3`): [2-4] [5-7] [8-10] [11-13] [14-16] [17].
ROWS = (
    "Acme Corp,acme,alice@acme.test,growth,Alice,Main,Europe/Paris,60,yes\n"  # 2 new owner
    "Globex,globex,bob@globex.test,free,,,,,no\n"  # 3
    "Initech,initech,EXISTING@corp.test,starter,,,America/New_York,,yes\n"  # 4 existing user
    "Loner Co,loner-co,loner@corp.test,enterprise,,,,5,yes\n"  # 5 existing, no active org
    "Prior,prior,prior@prior.test,free,,,,,\n"  # 6 onboarded before: a re-run
    "Taken,taken,mallory@evil.test,free,,,,,\n"  # 7 somebody else's slug
    "Bad,bad-email,not-an-email,free,,,,,\n"  # 8
    "Gold,gold,g@gold.test,platinum,,,,,\n"  # 9
    "Zone,zone,z@zone.test,free,,,Mars/Olympus,,\n"  # 10
    "Dup,acme,dup@acme.test,free,,,,,\n"  # 11 the slug of row 2
    "Acme Two,acme-two,Alice@acme.test,free,,,,,yes\n"  # 12 row 2's owner, another batch
    "Seats,seats-co,s@seats.test,growth,,,,0,\n"  # 13
    "Hooli,hooli,gavin@hooli.test,starter,Gavin,,,,\n"  # 14 a new owner twice in a batch
    "Hooli XYZ,hooli-xyz,gavin@hooli.test,growth,,,Asia/Tokyo,,\n"  # 15
    "Loner Two,loner-two,loner@corp.test,free,,,,,no\n"  # 16
    "Umbrella,umbrella,umbrella@umbrella.test,growth,,Umbrella HQ,Asia/Tokyo,200,true\n"  # 17
)
WRITTEN = (Organization, Workspace, WorkspaceSettings, Subscription, User, EmailAddress)
WRITTEN += (Membership, AuditLog, Event)


def write_csv(tmp_path, body, name="clients.csv"):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def run(*args, as_app_role=False):
    out, err = io.StringIO(), io.StringIO()
    code = 0
    if as_app_role:
        _execute(f"SET ROLE {APP_ROLE}")
    try:
        with zeal_ignore():  # a command is its own unit of work
            call_command("onboard_clients", *args, stdout=out, stderr=err)
    except CommandError as error:
        code = error.returncode
        err.write(str(error))
    finally:
        if as_app_role:
            _execute("RESET ROLE")
    return code, out.getvalue(), err.getvalue()


def report_lines(out):
    return [line for line in out.splitlines() if line.startswith("row ")]


def seed():
    """The database the CSV meets: two earlier onboardings and two people it names."""
    for slug, email in (("prior", "prior@prior.test"), ("taken", "owner@taken.test")):
        request = OnboardRequest(
            org_name=slug.title(), org_slug=slug, owner_email=email, send_welcome_email=False
        )
        onboard_client(request=request)
    existing = UserFactory(email="existing@corp.test", name="Existing")
    MembershipFactory(
        user=existing, organization=OrganizationFactory(name="Elsewhere", slug="elsewhere")
    )
    Membership.objects.filter(user=existing).update(is_active=True)
    UserFactory(email="loner@corp.test", name="Loner")


def id_labels():
    """Every ID the written tables hold → a name that is the same in any run."""
    slugs = dict(Organization.objects.values_list("id", "slug"))
    emails = {pk: email.lower() for pk, email in User.objects.values_list("id", "email")}
    labels = {pk: f"org:{slug}" for pk, slug in slugs.items()}
    labels |= {pk: f"user:{email}" for pk, email in emails.items()}
    for model, prefix in ((Workspace, "ws"), (Subscription, "sub")):
        for pk, org_id in model.objects.values_list("id", "organization_id"):
            labels[pk] = f"{prefix}:{slugs[org_id]}"
    for pk, org_id, user_id in Membership.objects.values_list("id", "organization_id", "user_id"):
        labels[pk] = f"mem:{slugs[org_id]}:{emails[user_id]}"
    for model, kind in ((AuditLog, "action"), (Event, "type")):
        seen: dict[str, int] = {}
        for pk, org_id, what in model.objects.order_by("id").values_list(
            "id", "organization_id", kind
        ):
            key = f"{model.__name__}:{slugs[org_id]}:{what}"
            seen[key] = seen.get(key, 0) + 1
            labels[pk] = f"{key}:{seen[key]}"
    return labels


def normalized(value, labels):
    if isinstance(value, dict):
        return {key: normalized(item, labels) for key, item in value.items()}
    if isinstance(value, list):
        return [normalized(item, labels) for item in value]
    if isinstance(value, datetime):
        return "<time>"
    if isinstance(value, str):
        return labels.get(value, value)
    return value


def dump():
    """Every written table's rows, IDs named, times and database-made keys left out; and the
    row count of every other table."""
    labels = id_labels()
    tables = {}
    for model in WRITTEN:
        serial = model._meta.pk.get_internal_type() in ("AutoField", "BigAutoField")
        rows = []
        for row in model.objects.values():
            if serial:
                row.pop(model._meta.pk.attname)
            if "password" in row:  # hashes are salted: whether one can sign in with it
                row["password"] = "usable" if is_password_usable(row["password"]) else "unusable"
            rows.append(json.dumps(normalized(row, labels), sort_keys=True))
        tables[model._meta.label] = sorted(rows)
    for model in apps.get_models():
        if model not in WRITTEN:
            tables[model._meta.label] = model.objects.count()
    return tables, labels


def outcome_of(*args, as_app_role=False):
    """The report, mail and database after running the CSV on a freshly seeded database, then
    the database as it was."""
    point = transaction.savepoint_create()
    seed()
    mail.outbox.clear()
    code, out, _err = run(*args, as_app_role=as_app_role)
    tables, labels = dump()
    report = [
        " ".join(labels.get(word, word) for word in line.split()) for line in report_lines(out)
    ]
    sent = sorted((message.to[0], message.subject) for message in mail.outbox)
    transaction.savepoint_rollback(point)
    return code, report, sent, tables


@pytest.mark.django_db
def test_batches_leave_the_same_database_report_and_mail_as_one_row_at_a_time(tmp_path):
    path = str(write_csv(tmp_path, ROWS))
    one_by_one = outcome_of(path, "--one-by-one", as_app_role=True)
    batched = outcome_of(path, "--batch-size", "3", as_app_role=True)
    assert batched[0] == one_by_one[0] == 1
    assert batched[1] == one_by_one[1]
    assert batched[2] == one_by_one[2]
    assert batched[3] == one_by_one[3]
    report = "\n".join(batched[1])
    for line, verdict in (
        (2, "created org:acme"),
        (4, "created org:initech"),
        (6, "already onboarded org:prior"),
        (7, 'failed The address "taken" is taken'),
        (11, 'failed slug "acme" appears twice in this file'),
        (12, "created org:acme-two"),
        (15, "created org:hooli-xyz"),
    ):
        assert f"row {line} " in report
        assert verdict in batched[1][line - 2]
    memberships = [json.loads(row) for row in batched[3]["memberships.Membership"]]
    active = {(row["organization_id"], row["user_id"]) for row in memberships if row["is_active"]}
    # One active organization per person: the first this file gave a person who had none.
    assert ("org:acme", "user:alice@acme.test") in active
    assert ("org:acme-two", "user:alice@acme.test") not in active
    assert ("org:loner-co", "user:loner@corp.test") in active
    assert ("org:initech", "user:existing@corp.test") not in active
    assert ("org:hooli", "user:gavin@hooli.test") in active
    assert [to for to, _subject in batched[2]] == [
        "alice@acme.test",
        "alice@acme.test",
        "existing@corp.test",
        "gavin@hooli.test",
        "gavin@hooli.test",
        "loner@corp.test",
        "umbrella@umbrella.test",
    ]


@pytest.mark.django_db
def test_a_rerun_reports_every_row_already_onboarded_and_changes_nothing(tmp_path):
    body = "".join(
        f"Client {n},client-{n},owner{n % 3}@example.test,free,,,,,no\n" for n in range(7)
    )
    path = str(write_csv(tmp_path, body))
    code, first, _ = run(path, "--batch-size", "3")
    assert code == 0
    before, _labels = dump()
    code, again, _ = run(path, "--batch-size", "3")
    assert code == 0
    assert [line.split()[-1] for line in report_lines(again)] == [
        line.split()[-1] for line in report_lines(first)
    ]
    assert all(line.split()[3:5] == ["already", "onboarded"] for line in report_lines(again))
    assert "7 row(s): 7 already onboarded" in again
    assert dump()[0] == before


@pytest.mark.django_db
def test_a_failing_row_in_a_batch_keeps_its_neighbours(tmp_path, monkeypatch):
    onboard_client(
        request=OnboardRequest(
            org_name="Taken", org_slug="taken", owner_email="x@x.test", send_welcome_email=False
        )
    )
    body = (
        "One,one,a@one.test,free,,,,,\nTwo,two,b@two.test,free,,,,,\n"
        "Three,three,c@three.test,free,,,,,\nTaken,taken,d@four.test,free,,,,,\n"
        "Five,five,e@five.test,free,,,,,\n"
    )
    path = str(write_csv(tmp_path, body))
    code, out, _ = run(path, "--batch-size", "3", "--no-email")
    assert code == 1
    verdicts = [line.split()[3] for line in report_lines(out)]
    assert verdicts == ["created", "created", "created", "failed", "created"]
    assert set(Organization.objects.values_list("slug", flat=True)) == {
        "taken",
        "one",
        "two",
        "three",
        "five",
    }


@pytest.mark.django_db
def test_a_batch_that_meets_an_unforeseen_conflict_is_written_one_row_at_a_time(
    tmp_path, monkeypatch
):
    provision = batch._provision

    def conflicting(requests, **kwargs):
        provision(requests, **kwargs)
        raise IntegrityError("duplicate key value violates unique constraint")  # as if raced

    monkeypatch.setattr(batch, "_provision", conflicting)
    body = "One,one,a@one.test,free,,,,,\nBad,bad,nobody,free,,,,,\nTwo,two,b@two.test,free,,,,,\n"
    code, out, _ = run(str(write_csv(tmp_path, body)), "--no-email")
    assert code == 1
    assert [line.split()[3] for line in report_lines(out)] == ["created", "failed", "created"]
    assert Organization.objects.count() == 2
    assert AuditLog.objects.count() == Event.objects.count() == 2
    assert User.objects.filter(email="a@one.test", memberships__role=Role.OWNER).exists()


@pytest.mark.django_db
def test_the_report_lists_only_the_rows_of_committed_batches(tmp_path, monkeypatch):
    write = batch._write
    calls = []

    def failing_second_commit(requests):
        calls.append(requests)
        outcomes = write(requests)
        if len(calls) == 2:
            raise OperationalError("could not commit: server closed the connection")
        return outcomes

    monkeypatch.setattr(batch, "_write", failing_second_commit)
    body = "".join(f"Client {n},client-{n},owner{n}@example.test,free,,,,,\n" for n in range(5))
    path = str(write_csv(tmp_path, body))
    code, out, err = run(path, "--batch-size", "2", "--no-email")
    assert code == 1
    assert [line.split()[1] for line in report_lines(out)] == ["2", "3"]
    assert "2 row(s): 2 created" in out
    assert "rows 4–5" in err
    assert "run the file again" in err
    assert list(Organization.objects.order_by("slug").values_list("slug", flat=True)) == [
        "client-0",
        "client-1",
    ]
    code, _out, err = run(path, "--batch-size", "0")
    assert code == 1
    assert "--batch-size must be a whole number from 1 to 100,000" in err
    monkeypatch.setattr(batch, "_write", write)
    code, out, _ = run(path, "--batch-size", "2", "--no-email")
    assert code == 0
    assert [line.split()[3] for line in report_lines(out)] == ["already"] * 2 + ["created"] * 3
