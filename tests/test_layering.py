"""The layering rules: flows and models never reach for a channel or web library, channel
adapters never reach back into the service, and the staff API uses only the service's sessions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {"telegram", "twilio", "fastapi", "starlette", "uvicorn", "httpx", "bot", "admin"}


def imported_modules(path: Path) -> set[str]:
    """The full name of every module a Python file imports (absolute imports only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def imported_roots(path: Path) -> set[str]:
    """The top-level package of every import in a Python file."""
    return {name.split(".")[0] for name in imported_modules(path)}


def _files(package: str) -> list[Path]:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no Python files found in {package}/"
    return files


def _bot_imports(path: Path) -> set[str]:
    return {name for name in imported_modules(path) if name.split(".")[0] == "bot"}


@pytest.mark.parametrize("package", ["handlers", "models"])
def test_package_imports_no_channel_or_web_library(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN)
        for path in _files(package)
        if imported_roots(path) & FORBIDDEN
    }
    assert offenders == {}


def test_channel_adapters_import_only_channels_and_settings_from_the_service() -> None:
    def allowed(name: str) -> bool:
        return name == "bot.config" or name == "bot.channels" or name.startswith("bot.channels.")

    offenders = {
        str(path.relative_to(ROOT)): sorted(n for n in _bot_imports(path) if not allowed(n))
        for path in _files("bot/channels")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_staff_api_reaches_the_service_only_for_its_database_session() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(n for n in _bot_imports(path) if n != "bot.deps")
        for path in _files("admin")
    }
    assert {path: names for path, names in offenders.items() if names} == {}
    uses = {
        alias.name
        for path in _files("admin")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module == "bot.deps"
        for alias in node.names
    }
    # The session itself, and the mark that gives a list route one without a transaction.
    assert uses <= {"SessionDep", "reads_only"}


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nfrom telegram.ext import Application\nimport fastapi.routing\n")
    assert imported_roots(sample) & FORBIDDEN == {"telegram", "fastapi"}


def test_the_check_sees_a_reach_into_the_service(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from bot.outbound import OutboundMessage\nfrom bot.channels.base import X\n")
    assert _bot_imports(sample) == {"bot.outbound", "bot.channels.base"}
