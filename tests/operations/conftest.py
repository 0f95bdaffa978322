"""Operations fixtures: a Prometheus scrape, parsed as Prometheus parses it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from prometheus_client.parser import text_string_to_metric_families

from causeloop.web.health import MigrationsCheck

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture(autouse=True)
def _migrations_not_yet_known(monkeypatch):
    """Each test finds out afresh (a process remembers that its migrations were applied)."""
    monkeypatch.setattr(MigrationsCheck, "applied", False)


@pytest.fixture
def scrape(client) -> Callable[..., Samples]:
    """`scrape()` → every sample of `GET /metrics` (from loopback), keyed by its name and
    labels."""

    def read(**headers: str) -> Samples:
        response = client.get("/metrics", **headers)
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("text/plain; version=0.0.4")
        text = response.content.decode()
        return {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }

    return read


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sample's value, 0 when it is not there yet."""
    return samples.get((name, frozenset(labels.items())), 0.0)
