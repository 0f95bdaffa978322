"""The provisioning commands, in process (call_command) and as subprocesses (exit codes)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from zeal import zeal_ignore

from memberships.models import Membership, User
from onboarding.services.onboard import OnboardRequest, onboard_client
from organizations.models import AuditLog, Organization, Workspace

ACME = ["--org-name", "Acme Corp", "--org-slug", "acme", "--owner-email", "alice@acme.com"]


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    with zeal_ignore():  # a command is its own unit of work; repeated lookups are no N+1
        call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_onboard_client_prints_the_result_json(db):
    out, _ = run(
        "onboard_client",
        *ACME,
        "--plan",
        "growth",
        "--seats",
        "60",
        "--timezone",
        "America/New_York",
        "--owner-name",
        "Alice",
        "--workspace-name",
        "Main",
    )
    result = json.loads(out)
    assert result["created"] is True
    organization = Organization.objects.get(pk=result["org_id"])
    assert (organization.plan_id, organization.seats, organization.timezone) == (
        "growth",
        60,
        "America/New_York",
    )
    assert Workspace.objects.get(pk=result["workspace_id"]).name == "Main"


def test_onboard_client_again_prints_created_false_with_the_same_ids(db):
    first = json.loads(run("onboard_client", *ACME)[0])
    again = json.loads(run("onboard_client", *ACME)[0])
    assert again == {**first, "created": False}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--plan", "gold"], '"gold" is not a plan'),
        (["--seats", "many"], "Seats must be a whole number"),
        (["--timezone", "Nowhere/Land"], "not a known IANA timezone"),
    ],
)
def test_onboard_client_refuses_bad_input_and_writes_nothing(db, extra, message):
    with pytest.raises(CommandError, match=message) as error:
        run("onboard_client", *ACME, *extra)
    assert error.value.returncode == 1
    assert not Organization.objects.exists()
    assert not User.objects.exists()


def test_onboard_client_reports_slug_taken(db):
    onboard_client(
        request=OnboardRequest(org_name="Acme", org_slug="acme", owner_email="bob@acme.com")
    )
    with pytest.raises(CommandError, match='The address "acme" is taken'):
        run("onboard_client", *ACME)
    assert Organization.objects.count() == 1


def test_offboard_client_suspends_and_reinstates(db):
    onboard_client(
        request=OnboardRequest(org_name="Acme", org_slug="acme", owner_email="bob@acme.com")
    )
    out, _ = run("offboard_client", "acme", "--suspend")
    assert json.loads(out)["status"] == "suspended"
    assert Organization.objects.get(slug="acme").status == "suspended"
    out, _ = run("offboard_client", "acme", "--reinstate")
    assert json.loads(out)["status"] == "active"
    assert Organization.objects.get(slug="acme").status == "active"


def test_offboard_client_refuses_to_run_without_an_action(db):
    onboard_client(
        request=OnboardRequest(org_name="Acme", org_slug="acme", owner_email="bob@acme.com")
    )
    with pytest.raises(CommandError, match="choose one action"):
        run("offboard_client", "acme")
    assert Organization.objects.get(slug="acme").status == "active"


def test_offboard_client_refuses_two_actions(db):
    with pytest.raises(CommandError):
        run("offboard_client", "acme", "--suspend", "--purge")


def test_offboard_client_unknown_slug(db):
    with pytest.raises(CommandError, match='no organization with slug "ghost"') as error:
        run("offboard_client", "ghost", "--suspend")
    assert error.value.returncode != 0


def test_purge_asks_for_confirmation_and_a_wrong_answer_keeps_everything(db, monkeypatch):
    onboard_client(
        request=OnboardRequest(org_name="Acme", org_slug="acme", owner_email="bob@acme.com")
    )
    monkeypatch.setattr("builtins.input", lambda prompt: "nope")
    with pytest.raises(CommandError, match="purge cancelled"):
        run("offboard_client", "acme", "--purge")
    assert Organization.objects.filter(slug="acme").exists()


def test_purge_with_the_typed_slug_deletes_the_organization_and_keeps_users(db, monkeypatch):
    result = onboard_client(
        request=OnboardRequest(org_name="Acme", org_slug="acme", owner_email="bob@acme.com")
    )
    prompts = []
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or "acme")
    out, _ = run("offboard_client", "acme", "--purge")
    assert json.loads(out)["status"] == "purged"
    assert "acme" in prompts[0]
    assert not Organization.objects.exists()
    assert not Membership.objects.exists()
    assert not AuditLog.objects.exists()
    assert User.objects.filter(pk=result.user_id).exists()


def test_purge_with_yes_does_not_ask(db, monkeypatch):
    onboard_client(
        request=OnboardRequest(org_name="Acme", org_slug="acme", owner_email="bob@acme.com")
    )

    def no_questions(prompt):
        raise AssertionError("asked for confirmation despite --yes")

    monkeypatch.setattr("builtins.input", no_questions)
    run("offboard_client", "acme", "--purge", "--yes")
    assert not Organization.objects.exists()


def test_onboard_client_process_exit_codes_and_streams(manage):
    done = manage("onboard_client", *ACME)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["created"] is True
    assert result["org_id"].startswith("org_")
    assert Organization.objects.filter(pk=result["org_id"]).exists()

    failed = manage("onboard_client", *ACME[:4], "--owner-email", "not-an-email")
    assert failed.returncode != 0
    assert failed.stdout == ""
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "is not a valid email address" in lines[0]
    assert "Traceback" not in failed.stderr


def test_offboard_and_show_client_process_unknown_slug(manage):
    for args in (["offboard_client", "ghost", "--suspend"], ["show_client", "ghost"]):
        done = manage(*args)
        assert done.returncode != 0
        assert done.stderr.strip() == 'CommandError: no organization with slug "ghost"'


def test_offboard_client_process_purge_without_yes_reads_the_confirmation(manage):
    onboard_client(
        request=OnboardRequest(org_name="Acme", org_slug="acme", owner_email="bob@acme.com")
    )
    refused = manage("offboard_client", "acme", "--purge", input="wrong\n")
    assert refused.returncode != 0
    assert "purge cancelled" in refused.stderr
    assert Organization.objects.filter(slug="acme").exists()
    purged = manage("offboard_client", "acme", "--purge", input="acme\n")
    assert purged.returncode == 0, purged.stderr
    assert not Organization.objects.filter(slug="acme").exists()
    assert User.objects.filter(email="bob@acme.com").exists()


def test_onboard_clients_process_reports_rows_and_fails_when_a_row_fails(manage, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text(
        "name,slug,email,plan\nAcme,acme,alice@acme.com,free\nBad,bad,nobody,free\n",
        encoding="utf-8",
    )
    done = manage("onboard_clients", str(path))
    assert done.returncode == 1
    report = done.stdout.splitlines()
    assert report[0].startswith("row 2  acme  created  org_")
    assert report[1].startswith("row 3  bad  failed")
    assert "not a valid email" in report[1]
    assert report[2] == "2 row(s): 1 created, 1 failed"
    assert done.stderr.strip() == "CommandError: 1 row(s) failed"  # no progress bar off a TTY
    assert list(Organization.objects.values_list("slug", flat=True)) == ["acme"]


# --- data never drives the operator's terminal ----------------------------------------------

ESCAPES = "\x1b]0;owned\x07\x1b[2J\x9b31m"


def assert_terminal_safe(text):
    """No control character but the command's own line breaks reaches the terminal."""
    assert not any(
        (ord(char) < 32 and char != "\n") or 0x7F <= ord(char) <= 0x9F or char == "\u202e"
        for char in text
    ), repr(text)


def test_onboard_clients_shows_a_rows_escape_codes_as_text(manage, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text(
        "name,slug,email,plan\n"
        f'Evil{ESCAPES},"evil{ESCAPES}\nrow 9  fake  created  org_x",mallory@evil.test,free\n'
        f"Acme,acme,alice{ESCAPES}@acme.com,free\n"
        f"Name\u202eTxt,rtl,rtl@acme.com,free\n",
        encoding="utf-8",
    )
    for args in (["--dry-run"], []):
        done = manage("onboard_clients", str(path), *args)
        assert_terminal_safe(done.stdout)
        assert_terminal_safe(done.stderr)
        report = done.stdout.splitlines()
        assert len(report) == 4, report  # three rows and the summary: no forged line
        assert "\\x1b]0;owned\\x07" in report[0]
        assert "\\nrow 9  fake" in report[0]


def test_commands_show_a_slugs_escape_codes_as_text(manage):
    for args in (["offboard_client", f"ghost{ESCAPES}", "--suspend"], ["show_client", ESCAPES]):
        done = manage(*args)
        assert done.returncode != 0
        assert_terminal_safe(done.stderr)
        assert "\\x1b[2J" in done.stderr


def test_the_purge_prompt_shows_escape_codes_as_text(db, monkeypatch):
    onboard_client(
        request=OnboardRequest(org_name="Acme", org_slug="acme", owner_email="bob@acme.com")
    )
    Organization.objects.filter(slug="acme").update(name=f"Acme{ESCAPES}")
    prompts = []
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or "no")
    with pytest.raises(CommandError, match="purge cancelled"):
        run("offboard_client", "acme", "--purge")
    assert_terminal_safe(prompts[0])
    assert "Acme\\x1b]0;owned" in prompts[0]
