"""onboard_clients: a CSV, a report line per row, safe re-runs, failures that stay in their row
(the batches themselves: test_bulk_batches.py)."""

import io
import sys

from django.core.management import CommandError, call_command
from django.db import connection
from zeal import zeal_ignore

from memberships.models import User
from onboarding.services.onboard import OnboardRequest, onboard_client
from organizations.models import Organization, Workspace

HEADER = "name,slug,email,plan,owner_name,workspace_name,timezone,seats\n"
INJECTION = "O'Brien; DROP TABLE organizations_organization"


def write_csv(tmp_path, body, header=HEADER):
    path = tmp_path / "clients.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with zeal_ignore():  # one onboarding per row: the same queries per row are no N+1
        try:
            call_command("onboard_clients", *args, stdout=out, stderr=err)
        except CommandError as error:
            code = error.returncode
            err.write(str(error))
    return code, out.getvalue(), err.getvalue()


def report_lines(out):
    return [line for line in out.splitlines() if line.startswith("row ")]


def test_every_row_is_onboarded_with_a_report_line(db, tmp_path):
    path = write_csv(
        tmp_path,
        "Acme Corp,acme,alice@acme.com,growth,Alice,Main,Europe/Paris,60\n"
        "Globex,globex,erin@globex.com,free,,,,\n",
    )
    code, out, _ = run(str(path))
    assert code == 0
    assert [line.split()[:3] for line in report_lines(out)] == [
        ["row", "2", "acme"],
        ["row", "3", "globex"],
    ]
    assert all("created" in line for line in report_lines(out))
    assert "2 row(s): 2 created" in out
    acme = Organization.objects.get(slug="acme")
    assert (acme.plan_id, acme.seats, acme.timezone) == ("growth", 60, "Europe/Paris")
    assert Workspace.objects.get(organization=acme).name == "Main"
    assert Organization.objects.get(slug="globex").seats == 10


def test_rerunning_the_same_file_is_safe(db, tmp_path):
    path = write_csv(
        tmp_path, "Acme,acme,alice@acme.com,free,,,,\nGlobex,globex,erin@globex.com,starter,,,,\n"
    )
    run(str(path))
    ids = set(Organization.objects.values_list("id", flat=True))
    code, out, _ = run(str(path))
    assert code == 0
    assert all("already onboarded" in line for line in report_lines(out))
    assert "2 already onboarded" in out
    assert set(Organization.objects.values_list("id", flat=True)) == ids
    assert User.objects.count() == 2


def test_a_failing_row_is_reported_and_does_not_stop_the_others(db, tmp_path):
    onboard_client(
        request=OnboardRequest(org_name="Taken", org_slug="taken", owner_email="someone@else.com")
    )
    path = write_csv(
        tmp_path,
        "Acme,acme,alice@acme.com,free,,,,\n"
        "Bad,bad,not-an-email,free,,,,\n"
        "Gold,gold-co,g@gold.com,platinum,,,,\n"
        "Taken,taken,alice@acme.com,free,,,,\n"
        "Globex,globex,erin@globex.com,free,,,,\n",
    )
    code, out, err = run(str(path))
    assert code == 1
    lines = report_lines(out)
    assert "created" in lines[0]
    assert "created" in lines[4]
    assert "failed" in lines[1]
    assert "not a valid email address" in lines[1]
    assert "failed" in lines[2]
    assert '"platinum" is not a plan' in lines[2]
    assert "failed" in lines[3]
    assert 'The address "taken" is taken' in lines[3]
    assert "3 failed" in out
    assert "3 row(s) failed" in err
    assert set(Organization.objects.values_list("slug", flat=True)) == {"taken", "acme", "globex"}


def test_dry_run_validates_without_writing(db, tmp_path):
    onboard_client(
        request=OnboardRequest(org_name="Acme", org_slug="acme", owner_email="alice@acme.com")
    )
    path = write_csv(
        tmp_path,
        "Acme,acme,alice@acme.com,free,,,,\n"
        "Globex,globex,erin@globex.com,free,,,,\n"
        "Again,globex,x@globex.com,free,,,,\n"
        "Bad,b,erin@globex.com,free,,,,\n",
    )
    code, out, _ = run(str(path), "--dry-run")
    lines = report_lines(out)
    assert code == 1
    assert "already onboarded" in lines[0]
    assert "valid" in lines[1]
    assert "would be created" in lines[1]
    assert "failed" in lines[2]
    assert "appears twice" in lines[2]
    assert "failed" in lines[3]
    assert "3–50 characters" in lines[3]
    assert out.splitlines()[-1].startswith("dry run: 4 row(s)")
    assert list(Organization.objects.values_list("slug", flat=True)) == ["acme"]
    assert User.objects.count() == 1


def test_values_are_data_never_code(db, tmp_path):
    path = write_csv(
        tmp_path,
        f'"{INJECTION}",obrien,"o\'brien@example.com",free,'
        f'"Robert\'); DROP TABLE memberships_user;--",,,\n',
    )
    code, out, _ = run(str(path))
    assert code == 0, out
    organization = Organization.objects.get(slug="obrien")
    assert organization.name == INJECTION
    assert User.objects.get(email="o'brien@example.com").name == (
        "Robert'); DROP TABLE memberships_user;--"
    )
    tables = set(connection.introspection.table_names())
    assert {"organizations_organization", "memberships_user"} <= tables


def test_a_header_without_the_required_columns_is_refused(db, tmp_path):
    path = write_csv(tmp_path, "Acme,acme,alice@acme.com\n", header="name,slug,email\n")
    code, _, err = run(str(path))
    assert code != 0
    assert "missing: plan" in err
    assert not Organization.objects.exists()


def test_header_names_are_case_and_space_insensitive_and_plan_may_be_empty(db, tmp_path):
    path = write_csv(tmp_path, "Acme,acme,alice@acme.com,\n", header=" Name ,SLUG,Email,Plan\n")
    code, _, _ = run(str(path))
    assert code == 0
    assert Organization.objects.get(slug="acme").plan_id == "free"


def test_a_row_with_too_many_values_fails_alone(db, tmp_path):
    path = write_csv(
        tmp_path,
        "Acme,acme,alice@acme.com,free,extra\nGlobex,globex,e@g.com,free\n",
        header="name,slug,email,plan\n",
    )
    code, out, _ = run(str(path))
    assert code == 1
    assert "more values than the header" in report_lines(out)[0]
    assert list(Organization.objects.values_list("slug", flat=True)) == ["globex"]


def test_a_missing_file_and_a_non_utf8_file_are_refused(db, tmp_path):
    code, _, err = run(str(tmp_path / "absent.csv"))
    assert code != 0
    assert "no such file" in err
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"name,slug,email,plan\nCaf\xe9,cafe,c@cafe.com,free\n")
    code, _, err = run(str(path))
    assert code != 0
    assert "not UTF-8" in err
    assert not Organization.objects.exists()


def test_no_progress_bar_when_not_a_terminal_and_one_on_a_terminal(db, tmp_path, monkeypatch):
    path = write_csv(tmp_path, "Acme,acme,alice@acme.com,free,,,,\n")
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    run(str(path), "--dry-run")
    assert piped.getvalue() == ""

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    run(str(path), "--dry-run")
    assert "validating" in terminal.getvalue()
    assert "rows" in terminal.getvalue()


def test_dry_run_reports_a_slug_taken_by_someone_else(db, tmp_path):
    onboard_client(
        request=OnboardRequest(org_name="Acme", org_slug="acme", owner_email="alice@acme.com")
    )
    path = write_csv(tmp_path, "Acme,acme,mallory@evil.com,free,,,,\n")
    code, out, _ = run(str(path), "--dry-run")
    assert code == 1
    assert 'failed  The address "acme" is taken' in report_lines(out)[0]
    assert User.objects.count() == 1
