"""The deployment files agree with the code: Docker, docker compose and the systemd unit keep all
state where the service writes it, and name commands that exist. (Docker cannot run here; these
checks read the files.)"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

import yaml

from monitor.cli import COMMANDS
from monitor.config import DATABASE_URL_ENV, DEFAULT_DATABASE_URL

ROOT = Path(__file__).resolve().parents[1]
NAMES = {name for name, _, _ in COMMANDS}


def dockerfile_env() -> dict[str, str]:
    text = (ROOT / "Dockerfile").read_text("utf-8")
    block = re.search(r"^ENV (.*?)(?=\n\n)", text, re.S | re.M)
    assert block is not None
    return dict(re.findall(r"(\w+)=(\S+)", block.group(1)))


def test_docker_keeps_all_state_in_the_data_volume() -> None:
    text = (ROOT / "Dockerfile").read_text("utf-8")
    env = dockerfile_env()
    assert "VOLUME /data" in text
    assert env[DATABASE_URL_ENV].startswith("sqlite:////data/")
    # the crawl state is <config>/../data/crawl-state: that folder is the volume
    beside_config = PurePosixPath(env["EDUWATCH_CONFIG"]).parent / "data"
    assert f"ln -s /data {beside_config}" in text


def test_docker_runs_and_checks_with_real_commands() -> None:
    text = (ROOT / "Dockerfile").read_text("utf-8")
    health = re.search(r'^HEALTHCHECK .*CMD \["eduwatch", "([\w-]+)"', text, re.M)
    command = re.search(r'^CMD \["([\w-]+)"', text, re.M)
    assert health is not None and health.group(1) in NAMES
    assert command is not None and command.group(1) in NAMES
    ignored = (ROOT / ".dockerignore").read_text("utf-8").split()
    assert {".venv", ".git", "data"} <= set(ignored)


def test_compose_runs_the_service_on_postgres_with_a_data_volume() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
    service = compose["services"]["eduwatch"]
    assert service["environment"][DATABASE_URL_ENV].startswith("postgresql+psycopg2://")
    assert "@postgres:5432/" in service["environment"][DATABASE_URL_ENV]
    assert any(volume.endswith(":/data") for volume in service["volumes"])
    assert "postgres" in service["depends_on"] and "postgres" in compose["services"]


def test_the_systemd_unit_may_write_where_the_service_writes() -> None:
    unit = (ROOT / "deploy" / "eduwatch.service").read_text("utf-8")
    settings = dict(re.findall(r"^(\w+)=(.*)$", unit, re.M))
    config = PurePosixPath(settings["Environment"].split("=", 1)[1])
    writable = settings["ReadWritePaths"]
    assert writable == str(config.parent / "data")  # crawl state and the default SQLite file
    assert DEFAULT_DATABASE_URL == "sqlite:///data/eduwatch.sqlite"  # relative to config/..
    assert settings["ExecStart"].split()[1] in NAMES
    assert settings["RestartPreventExitStatus"] == "2"  # a broken configuration
