"""Settings come from the environment: SQLite without DATABASE_URL, a refusal to start without
the master key in production, and a clean deploy check (each in a fresh process)."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-production-secret-key-" + "x" * 40,
    "CAUSELOOP_MASTER_KEY": "production-master-key",
    "ALLOWED_HOSTS": "causeloop.example.com",
}


def python(*args, env):
    """Run the project's Python with exactly `env` (plus PATH and the settings module)."""
    clean = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "causeloop.settings", **env}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_without_database_url_the_app_uses_an_embedded_sqlite_file():
    done = python(
        "-c",
        "import django; django.setup(); from django.conf import settings; "
        "db = settings.DATABASES['default']; print(db['ENGINE'], db['NAME'])",
        env={"DEBUG": "true"},
    )
    assert done.returncode == 0, done.stderr
    engine, name = done.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert name.endswith(".sqlite3")
    assert Path(name).is_absolute()


def test_without_the_master_key_production_refuses_to_start():
    env = {k: v for k, v in PRODUCTION.items() if k != "CAUSELOOP_MASTER_KEY"}
    done = python("-c", "import django; django.setup()", env=env)
    assert done.returncode != 0
    assert "CAUSELOOP_MASTER_KEY is not set" in done.stderr


def test_deploy_check_is_clean_with_production_settings():
    done = python("manage.py", "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output
    assert "?: (" not in output


def test_env_example_names_every_variable_the_settings_read():
    """SPEC §6: `.env.example` lists every setting the environment can change."""
    settings_source = (ROOT / "causeloop" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"', settings_source))
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))
    assert read, "the settings read no variable: the pattern is out of date"
    assert read - listed == set()
