"""The nightly schedule: one deployment per config, cron read in the company's zone."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors import load_config
from flows.cli import app
from flows.schedule import nightly_deployment


def test_deployment_runs_the_sync_for_this_config_in_its_zone(demo_config: Path, monkeypatch):
    monkeypatch.chdir(demo_config.parent)
    config = load_config(demo_config)
    deployment = nightly_deployment(config, Path("okrs.yaml"), "30 2 * * 1-5")
    assert deployment.name == "okr-nightly-acme-cloud"
    assert deployment.flow_name == "okr-nightly-sync"
    [schedule] = deployment.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("30 2 * * 1-5", "Europe/Berlin")
    # Absolute, so the served flow finds the file whatever its working directory.
    assert deployment.parameters == {"config_path": str(demo_config.resolve()), "as_of_days_ago": 1}


def test_a_bad_cron_is_refused_before_serving(demo_config: Path):
    result = CliRunner().invoke(app, ["serve", "-c", str(demo_config), "--cron", "every night"])
    assert result.exit_code == 2
    assert "--cron: 'every night' is not a cron expression" in result.stderr


def test_invalid_cron_is_a_value_error(demo_config: Path):
    with pytest.raises(ValueError, match="Invalid cron"):
        nightly_deployment(load_config(demo_config), demo_config, "61 * * * *")


def test_two_configs_of_one_company_are_refused(demo_config: Path, tmp_path: Path):
    twin = tmp_path / "twin.yaml"
    twin.write_text(demo_config.read_text())
    result = CliRunner().invoke(app, ["serve", "-c", str(demo_config), "-c", str(twin)])
    assert result.exit_code == 2
    assert f"{twin}: another config already serves 'okr-nightly-acme-cloud'" in result.stderr


def test_two_companies_in_one_database_are_refused(demo_config: Path, tmp_path: Path):
    other = tmp_path / "beta.yaml"
    other.write_text(demo_config.read_text().replace("company: Acme Cloud", "company: Beta Corp"))
    # demo_config's fixture points OKR_DATABASE_URL at one database for every config.
    result = CliRunner().invoke(app, ["serve", "-c", str(demo_config), "-c", str(other)])
    assert result.exit_code == 2
    assert f"{other}: shares its database with {demo_config}" in result.stderr


def test_each_deployment_runs_one_at_a_time_cancelling_a_second_trigger(prefect_harness, demo_config: Path):
    from prefect import get_client
    from prefect.client.schemas.objects import ConcurrencyLimitStrategy

    deployment = nightly_deployment(load_config(demo_config), demo_config, "0 3 * * *")
    deployment_id = deployment.apply()
    with get_client(sync_client=True) as client:
        registered = client.read_deployment(deployment_id)
    # As the server keeps it: a second trigger while one runs is cancelled, not queued.
    assert registered.global_concurrency_limit is not None and registered.global_concurrency_limit.limit == 1
    assert registered.concurrency_options is not None
    assert registered.concurrency_options.collision_strategy is ConcurrencyLimitStrategy.CANCEL_NEW
