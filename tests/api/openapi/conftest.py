"""The OpenAPI document as a client developer gets it, and a Python client generated from it
with openapi-python-client: once per session, in a temporary directory, imported from there."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.core.management import call_command

# The live server runs in a thread next to the test (as in tests/browser/conftest.py).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PACKAGE = "causeloop_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")
# No formatting of the generated code (its post hooks run ruff): nobody reads it, and the
# session saves a second.
GENERATOR_CONFIG = "post_hooks: []\n"


@pytest.fixture(scope="session")
def openapi_document(tmp_path_factory) -> Path:
    """The document `/api/schema/` serves, written by `manage.py spectacular` as JSON."""
    path = tmp_path_factory.mktemp("openapi") / "openapi.json"
    call_command("spectacular", format="openapi-json", file=str(path))
    return path


@dataclass(frozen=True)
class GeneratedClient:
    """The generated package: `models` (every model and enum) and `operations`, each
    operation's module by its operationId, whatever tag it is filed under."""

    package: ModuleType
    models: ModuleType
    operations: dict[str, ModuleType]

    def __getattr__(self, name: str) -> Any:
        # `generated.Client`, `generated.AuthenticatedClient`, `generated.types` …
        return getattr(self.package, name)


@pytest.fixture(scope="session")
def generated(openapi_document, tmp_path_factory) -> Iterator[GeneratedClient]:
    root = tmp_path_factory.mktemp("client")
    config = root / "config.yaml"
    config.write_text(GENERATOR_CONFIG)
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            f"--path={openapi_document}",
            "--meta=none",
            f"--output-path={root / PACKAGE}",
            f"--config={config}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    # The generator leaves out (and only warns about) whatever it cannot turn into code.
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(root))
    try:
        package = importlib.import_module(PACKAGE)
        operations = {
            module.stem: importlib.import_module(
                f"{PACKAGE}.api.{module.parent.name}.{module.stem}"
            )
            for module in (root / PACKAGE / "api").glob("*/*.py")
            if module.stem != "__init__"
        }
        yield GeneratedClient(
            package=package,
            models=importlib.import_module(f"{PACKAGE}.models"),
            operations=operations,
        )
    finally:
        sys.path.remove(str(root))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


@pytest.fixture
def api_url(live_url) -> str:
    """The live server's base URL (the document's paths start with /api/v1), over a database
    that really commits; no rate-limit counter of an earlier test."""
    return live_url


def document(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())
