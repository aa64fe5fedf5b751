"""`helpbot contacts import`: a landlord's file from a terminal, with its rejected rows listed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.bot.test_cli import run_helpbot

FIXTURE = Path(__file__).parents[1] / "fixtures" / "contacts" / "landlord_export.csv"


def test_a_file_imports_with_progress_and_its_bad_rows_are_listed(tmp_path: Path) -> None:
    done = run_helpbot("contacts", "import", str(FIXTURE), cwd=tmp_path)
    assert done.returncode == 1, done.stderr  # some rows were rejected
    assert "Created 4, updated 0, rejected 5." in done.stdout
    assert "line 6: vulnerable must be true or false (yes/no, 1/0)" in done.stdout
    assert "Importing" in done.stdout  # the progress bar
    again = run_helpbot("contacts", "import", str(FIXTURE), cwd=tmp_path)
    assert "Created 0, updated 4, rejected 5." in again.stdout
    with sqlite3.connect(tmp_path / "helpbot.db") as db:
        assert db.execute("SELECT count(*) FROM contacts").fetchone() == (4,)


def test_a_missing_or_headerless_file_is_one_clear_line(tmp_path: Path) -> None:
    missing = run_helpbot("contacts", "import", "nowhere.csv", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.strip() == "helpbot: cannot read nowhere.csv: FileNotFoundError"
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    headerless = run_helpbot("contacts", "import", str(empty), cwd=tmp_path)
    assert headerless.returncode == 2
    assert "needs a header row" in headerless.stderr
