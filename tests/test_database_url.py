"""The database URL is checked before anything uses it: check-config names what is wrong (scheme,
driver, a SQLite file's folder) as file:line: key, `--connect` also opens it, `eduwatch run`
refuses it like any configuration problem, and `status` on a database that does not exist says
so instead of creating one."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from monitor.cli import main
from tests.db import postgres_url
from tests.test_sites import GOOD, write_site


def config_with(folder: Path, url: str) -> Path:
    """A configuration folder with one site (tests/test_sites.GOOD) and this database URL."""
    config = folder / "config"
    write_site(config, "good.yaml", GOOD)
    (config / "eduwatch.yaml").write_text(f"retention:\n  days: 30\ndatabase:\n  url: {url}\n")
    return config


@pytest.fixture(autouse=True)
def no_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EDUWATCH_DATABASE_URL", raising=False)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("mysql://root@127.0.0.1/eduwatch", "expected a sqlite or postgresql URL, got 'mysql'"),
        ("postgresql+asyncpg://127.0.0.1/eduwatch", "driver asyncpg to be installed"),
        ("postgresql+nosuch://127.0.0.1/eduwatch", "expected a known postgresql driver"),
        ("not a url", "expected a database URL such as sqlite:///"),
        ("sqlite:///{tmp}/a-file/ew.sqlite", "is a file"),
        ("sqlite:///{tmp}", "is a folder"),
    ],
)
def test_check_config_names_what_is_wrong_with_the_database_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str, words: str
) -> None:
    (tmp_path / "a-file").write_text("")
    config = config_with(tmp_path, url.format(tmp=tmp_path))
    assert main(["check-config", "--config", str(config)]) == 2
    [line] = [x for x in capsys.readouterr().out.splitlines() if "eduwatch.yaml" in x]
    assert line.startswith(f"{config}/eduwatch.yaml:4: database.url: expected"), line
    assert words in line
    assert main(["run", "--config", str(config)]) == 2  # refused, nothing started
    assert "nothing started" in capsys.readouterr().err


def test_connect_opens_the_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    new = config_with(tmp_path / "new", f"sqlite:///{tmp_path}/data/ew.sqlite")
    assert main(["check-config", "--config", str(new), "--connect"]) == 0
    assert f"database no database at {tmp_path}/data/ew.sqlite yet" in capsys.readouterr().out
    assert not (tmp_path / "data").exists()  # checked, not created

    url = postgres_url(request.config)
    reachable = config_with(tmp_path / "pg", url)
    assert main(["check-config", "--config", str(reachable), "--connect"]) == 0
    assert "database reachable, schema at revision" in capsys.readouterr().out

    absent = make_url(url).set(database="eduwatch_never_created").render_as_string(False)
    gone = config_with(tmp_path / "gone", absent)
    assert main(["check-config", "--config", str(gone)]) == 0  # without --connect: looks fine
    capsys.readouterr()
    assert main(["check-config", "--config", str(gone), "--connect"]) == 2
    out = capsys.readouterr().out
    assert "database.url: expected to open the database: the database" in out
    assert "'eduwatch_never_created' does not exist on the server" in out


def test_status_on_a_database_that_does_not_exist_says_so_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    config = config_with(tmp_path, f"sqlite:///{tmp_path}/data/ew.sqlite")
    assert main(["status", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert f"no database at {tmp_path}/data/ew.sqlite" in err and "Traceback" not in err
    assert not (tmp_path / "data").exists()

    url = make_url(postgres_url(request.config)).set(database="eduwatch_never_created")
    config = config_with(tmp_path / "pg", url.render_as_string(hide_password=False))
    assert main(["status", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "'eduwatch_never_created' does not exist on the server" in err
