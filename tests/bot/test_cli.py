"""The `helpbot` command as an operator meets it: clear errors, and working with no set-up."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import postgres_only
from tests.doubles.telegram_api import serve

HELPBOT = str(Path(sys.executable).parent / "helpbot")


def run_helpbot(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `helpbot` in a clean environment (no inherited settings) and capture its output."""
    base = {"PATH": os.environ["PATH"], "HOME": str(cwd), "LANG": "C.UTF-8"}
    return subprocess.run(
        [HELPBOT, *args],
        cwd=cwd,
        env={**base, **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"TELEGRAM_BOT_TOKEN": "123:abc"}, "TELEGRAM_WEBHOOK_SECRET"),
        (
            {"TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_WEBHOOK_SECRET": "has spaces"},
            "TELEGRAM_WEBHOOK_SECRET",
        ),
        ({"DATABASE_URL": "mysql://root@localhost/helpbot"}, "DATABASE_URL"),
        ({"PUBLIC_BASE_URL": "example.org"}, "PUBLIC_BASE_URL"),
        ({"CONVERSATION_IDLE_MINUTES": "soon"}, "CONVERSATION_IDLE_MINUTES"),
    ],
)
def test_a_bad_setting_stops_start_up_with_one_clear_line(
    tmp_path: Path, env: dict[str, str], named: str
) -> None:
    result = run_helpbot("migrate", cwd=tmp_path, env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert named in lines[0]
    assert "Traceback" not in result.stderr


def test_settings_come_from_a_dot_env_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=123:abc\n")
    result = run_helpbot("migrate", cwd=tmp_path)
    assert result.returncode == 2
    assert "TELEGRAM_WEBHOOK_SECRET" in result.stderr


def test_migrate_creates_the_sqlite_database_with_no_configuration(tmp_path: Path) -> None:
    result = run_helpbot("migrate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
    assert (tmp_path / "helpbot.db").is_file()


def test_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    env = {"DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:1/none"}
    result = run_helpbot("migrate", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert "cannot reach the database" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_worker_is_for_postgresql_and_says_so_on_sqlite(tmp_path: Path) -> None:
    result = run_helpbot("worker", cwd=tmp_path)
    assert result.returncode == 2
    assert "the worker is for PostgreSQL" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("driver", ["postgresql", "postgresql+psycopg", "postgresql+asyncpg"])
def test_a_worker_without_its_database_is_one_line(tmp_path: Path, driver: str) -> None:
    env = {"DATABASE_URL": f"{driver}://nobody@127.0.0.1:1/none"}
    result = run_helpbot("worker", "--concurrency", "2", cwd=tmp_path, env=env)
    assert result.returncode == 2, result.stderr
    assert "cannot reach the database" in result.stderr
    assert "Traceback" not in result.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_serve_runs_on_sqlite_with_no_configuration(tmp_path: Path) -> None:
    port = _free_port()
    base = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    process = subprocess.Popen(
        [HELPBOT, "serve", "--port", str(port)],
        cwd=tmp_path,
        env=base,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        ready = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert ready is not None, "the service did not start"
        assert ready.status_code == 200
        assert ready.json()["database"] == "ok"
        telegram = httpx.post(f"http://127.0.0.1:{port}/webhooks/telegram", json={"update_id": 1})
        assert telegram.status_code == 404
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert "make chat" in output
    assert "Telegram is off" in output
    assert "Traceback" not in output


def _classifier_loaded(pid: int) -> bool:
    """Whether the process has the safeguarding classifier's libraries (scikit-learn, scipy)
    mapped into its memory: their compiled parts, once imported, stay there."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return any(f"/site-packages/{package}/" in maps for package in ("sklearn", "scipy"))


def _start(args: list[str], cwd: Path, database_url: str) -> subprocess.Popen[str]:
    base = {"PATH": os.environ["PATH"], "HOME": str(cwd), "LANG": "C.UTF-8"}
    return subprocess.Popen(
        [HELPBOT, *args],
        cwd=cwd,
        env={**base, "DATABASE_URL": database_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _stop(process: subprocess.Popen[str]) -> str:
    process.terminate()
    output, _ = process.communicate(timeout=30)
    return output


@postgres_only
def test_a_worker_and_the_web_start_with_the_classifier_loaded_the_worker_below_the_web(
    tmp_path: Path, database_url: str
) -> None:
    # Both read messages (a worker Telegram's updates, the web Twilio's forms), so both load the
    # classifier at start-up rather than while someone waits for the answer to their first.
    worker = _start(["worker", "--concurrency", "2"], tmp_path, database_url)
    try:
        assert worker.stdout is not None
        lines = []
        for line in worker.stdout:
            lines.append(line)
            if "worker started" in line:
                break
        assert "worker started" in lines[-1], "".join(lines)
        assert _classifier_loaded(worker.pid)
        # Below the web's CPU priority: the lowest, by the default WORKER_NICENESS.
        ours = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, worker.pid) == 19
    finally:
        _stop(worker)
    port = _free_port()
    web = _start(["serve", "--port", str(port)], tmp_path, database_url)
    try:
        deadline = time.monotonic() + 60
        ready = None
        while ready is None and time.monotonic() < deadline and web.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
            except httpx.TransportError:
                time.sleep(0.2)
        assert ready is not None and ready.status_code == 200, "the service did not start"
        assert _classifier_loaded(web.pid)
        assert os.getpriority(os.PRIO_PROCESS, web.pid) == ours
    finally:
        output = _stop(web)
    assert "Traceback" not in output


def test_chat_finishes_a_request_in_the_terminal(tmp_path: Path) -> None:
    script = "\n".join(
        [
            "hello",
            "1",
            "2",
            "food",
            "me",
            "2",
            "no special diet",
            "tomorrow",
            "LS6 2AB",
            "yes",
            "quit",
        ]
    )
    result = run_helpbot("chat", "--as", "Mary", cwd=tmp_path, stdin=script + "\n")
    assert result.returncode == 0, result.stderr
    assert "privacy" in result.stdout.lower() or "we keep what you tell us" in result.stdout
    assert "1. Yes, I agree" in result.stdout
    assert re.search(r"Your reference is HH-\d{6}", result.stdout)
    assert "Traceback" not in result.stderr


def test_set_webhook_registers_our_url_with_the_secret(tmp_path: Path) -> None:
    token = "654321:CLI-token"
    with serve(token) as bot_api:
        env = {
            "TELEGRAM_BOT_TOKEN": token,
            "TELEGRAM_WEBHOOK_SECRET": "cli-secret_1",
            "TELEGRAM_API_BASE_URL": bot_api.base_url,
            "PUBLIC_BASE_URL": "https://help.example.org",
        }
        result = run_helpbot("telegram", "set-webhook", cwd=tmp_path, env=env)
        assert result.returncode == 0, result.stderr
        [call] = bot_api.calls("setWebhook")
    assert call.params["url"] == "https://help.example.org/webhooks/telegram"
    assert call.params["secret_token"] == "cli-secret_1"
    assert "https://help.example.org/webhooks/telegram" in result.stdout
    assert token not in result.stdout + result.stderr


def test_set_webhook_without_a_token_says_so(tmp_path: Path) -> None:
    result = run_helpbot("telegram", "set-webhook", cwd=tmp_path)
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr


def test_set_webhook_refused_by_telegram_is_one_line(tmp_path: Path) -> None:
    with serve("654321:CLI-token") as bot_api:
        env = {
            "TELEGRAM_BOT_TOKEN": "999:not-the-double-token",
            "TELEGRAM_WEBHOOK_SECRET": "cli-secret_1",
            "TELEGRAM_API_BASE_URL": bot_api.base_url,
        }
        result = run_helpbot("telegram", "set-webhook", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert result.stderr.startswith("helpbot: Telegram refused the webhook")
    assert "Traceback" not in result.stderr
    assert "not-the-double-token" not in result.stderr


def test_retention_dry_run_prints_counts_and_changes_nothing(tmp_path: Path) -> None:
    dry = run_helpbot("retention", "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert "0 tickets would be anonymised, 0 of them safeguarding" in dry.stdout
    assert "0 people with nothing left would be erased" in dry.stdout
    done = run_helpbot("retention", cwd=tmp_path, env={"RETENTION_MONTHS": "12"})
    assert done.returncode == 0, done.stderr
    assert "0 tickets were anonymised" in done.stdout
    shorter = run_helpbot(
        "retention", "--dry-run", cwd=tmp_path, env={"SAFEGUARDING_RETENTION_MONTHS": "6"}
    )
    assert shorter.returncode != 0
    assert "SAFEGUARDING_RETENTION_MONTHS must be at least RETENTION_MONTHS" in shorter.stderr
