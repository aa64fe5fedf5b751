"""docker-compose.yml and .env.example agree with the service: every command is one `helpbot`
accepts, every health check probes a route the app serves, every setting given is one the
service reads, migrations run before anything else, and every setting is listed.

Docker cannot run where the tests run, so the file is checked as data rather than started.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml  # type: ignore[import-untyped]

from bot.cli import _parser
from bot.config import Settings
from tests.support.app import serving, settings_for

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
COMPOSE: dict[str, Any] = yaml.safe_load(COMPOSE_TEXT)
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
OURS = ("migrate", "web", "worker")
SETTINGS = {name.upper() for name in Settings.model_fields}


def _environment(service: dict[str, Any]) -> dict[str, str]:
    given = service.get("environment") or {}
    if isinstance(given, list):  # the other spelling: ["NAME=value", ...]
        return dict(item.split("=", 1) for item in given)
    return {str(k): str(v) for k, v in given.items()}


def _readme_settings() -> set[str]:
    """The names in the README's settings table (its first column)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Settings", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def _env_example() -> dict[str, str]:
    """Each name in .env.example, commented out or not, with its placeholder value."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return dict(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=(.*)$", text, flags=re.MULTILINE))


def test_the_stack_is_postgres_a_migration_and_two_of_each_process() -> None:
    assert set(SERVICES) == {"postgres", *OURS}
    assert SERVICES["web"]["deploy"]["replicas"] == 2
    assert SERVICES["worker"]["deploy"]["replicas"] == 2
    assert SERVICES["migrate"]["restart"] == "no"  # one shot
    assert "replicas" not in SERVICES["migrate"].get("deploy", {})


@pytest.mark.parametrize("service", OURS)
def test_each_command_is_one_helpbot_accepts(service: str) -> None:
    command = SERVICES[service]["command"]
    assert command[0] == "helpbot"
    with contextlib.redirect_stderr(io.StringIO()) as errors:
        try:
            _parser().parse_args(command[1:])
        except SystemExit:
            pytest.fail(f"helpbot refuses {command[1:]}: {errors.getvalue().strip()}")


def test_the_web_command_listens_beyond_the_container() -> None:
    command = SERVICES["web"]["command"]
    assert command[command.index("--host") + 1] == "0.0.0.0"


def test_health_checks_probe_what_is_there(tmp_path: Path) -> None:
    assert "pg_isready" in " ".join(SERVICES["postgres"]["healthcheck"]["test"])
    probed = {
        path
        for service in OURS
        if "healthcheck" in SERVICES[service]
        for path in re.findall(
            r"http://127\.0\.0\.1:8000(/[\w/-]*)",
            " ".join(SERVICES[service]["healthcheck"]["test"]),
        )
    }
    assert probed == {"/readyz"}
    # The service itself, over HTTP, answers what the checks ask (and /healthz, for liveness).
    with serving(settings_for(f"sqlite+aiosqlite:///{tmp_path / 'helpbot.db'}")) as url:
        answers = {path: httpx.get(url + path, timeout=10).status_code for path in probed}
        alive = httpx.get(url + "/healthz", timeout=10).status_code
    assert answers == dict.fromkeys(probed, 200)
    assert alive == 200


@pytest.mark.parametrize("service", OURS)
def test_the_settings_given_are_ones_the_service_reads(service: str) -> None:
    given = set(_environment(SERVICES[service]))
    assert "DATABASE_URL" in given
    assert given <= SETTINGS
    database_url = _environment(SERVICES[service])["DATABASE_URL"]
    assert database_url.startswith("postgresql://") and "@postgres:5432/" in database_url


def test_migrations_run_once_the_database_is_up_and_before_web_and_workers() -> None:
    assert SERVICES["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for service in ("web", "worker"):
        depends = SERVICES[service]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"


def test_the_web_replicas_share_a_spool_that_outlives_them() -> None:
    web = SERVICES["web"]
    spool = _environment(web)["INBOUND_SPOOL_DIR"]
    volume, _, mounted = next(v for v in web["volumes"] if v.endswith(":" + spool)).partition(":")
    assert mounted == spool
    assert volume in COMPOSE["volumes"]


def test_every_setting_is_in_the_readme_and_in_env_example() -> None:
    compose_variables = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE_TEXT))
    assert _readme_settings() == SETTINGS
    assert set(_env_example()) == SETTINGS | compose_variables


def test_env_example_holds_placeholders_not_secrets() -> None:
    secrets = {
        name: value
        for name, value in _env_example().items()
        if re.search("TOKEN|SECRET|PASSWORD|SID", name)
    }
    assert secrets
    for name, value in secrets.items():
        assert "replace" in value or "change-me" in value, name
