"""``okr sync --all DIR``: every company config in a folder synced in its own flow run, one
company's failure never stopping another, and the portfolio page listing them all."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.demo import DEMO_TOKEN_ENV, render_demo_config
from flows.portfolio import NoCompanyConfigs, company_configs

AS_OF = date(2026, 11, 27)
runner = CliRunner()


def company_config(folder: Path, name: str, company: str, base_url: str, token_env: str = DEMO_TOKEN_ENV) -> Path:
    text = render_demo_config(AS_OF, base_url).replace("company: Acme Cloud", f"company: {company}")
    text = text.replace("database_url: sqlite:///okr.db", f"database_url: sqlite:///{name}.db").replace(f"token_env: {DEMO_TOKEN_ENV}", f"token_env: {token_env}")
    path = folder / f"{name}.yaml"
    path.write_text(text)
    return path


@pytest.fixture
def clients(tmp_path: Path, sandbox, monkeypatch) -> Path:
    """An agency's folder: two good companies, one whose token is missing, one config that does not load."""
    monkeypatch.delenv("OKR_DATABASE_URL", raising=False)  # each company its own database, beside its config
    monkeypatch.setenv(DEMO_TOKEN_ENV, sandbox.token)
    monkeypatch.delenv("OKR_TEST_MISSING_TOKEN", raising=False)
    folder = tmp_path / "clients"
    folder.mkdir()
    company_config(folder, "acme", "Acme Cloud", sandbox.base_url)
    company_config(folder, "beta", "Beta <Labs>", sandbox.base_url)
    company_config(folder, "gamma", "Gamma", sandbox.base_url, token_env="OKR_TEST_MISSING_TOKEN")
    (folder / "broken.yaml").write_text("company: Broken\nobjectives: 5\n")
    (folder / "prefect.yaml").write_text("name: okr-autopilot\n")  # Prefect's deployment file is not a company
    sandbox.reset_calls()
    return folder


def test_one_broken_company_never_stops_the_others(prefect_harness, clients: Path, sandbox):
    result = runner.invoke(app, ["sync", "--all", str(clients), "--as-of", AS_OF.isoformat(), "--no-email", "--no-notify"])

    assert result.exit_code == 1, result.output
    assert "2 of 4 companies did not sync completely" in result.output
    assert "OKR_TEST_MISSING_TOKEN is not set" in result.output, "the failing company says why"
    assert "broken.yaml: period: required key is missing (line 1)" in result.output
    archives = clients / ".okr" / "reports"
    assert (archives / "acme-cloud" / f"{AS_OF}.html").exists() and (archives / "beta-labs" / f"{AS_OF}.html").exists()
    assert sandbox.calls, "the good companies read the portal"

    page = (archives / "portfolio.html").read_text()
    assert f"Portfolio: {(archives / 'portfolio.html').resolve()}" in result.output
    # Worst first: no report at all, then a failed sync, then by status (the two good ones have the same: by name).
    files = re.findall(r'<div class="file">([^<,]+)', page)
    assert files == ["broken.yaml", "gamma.yaml", "acme.yaml", "beta.yaml"]
    assert "prefect.yaml" not in page
    links = re.findall(r'<a href="([^"]+)">', page)
    assert links == ["gamma/2026-11-27.html", "acme-cloud/2026-11-27.html", "beta-labs/2026-11-27.html"]
    for link in links:
        assert (archives / link).exists(), link
    assert "OKR_TEST_MISSING_TOKEN is not set" in page, "the failed company's row says why"
    assert "Beta &lt;Labs&gt;" in page and "Beta <Labs>" not in page, "config text is escaped"


def test_a_folder_without_company_configs_is_one_line(tmp_path: Path):
    (tmp_path / "prefect.yaml").write_text("name: x\n")
    with pytest.raises(NoCompanyConfigs, match="no company configs"):
        company_configs(tmp_path)
    result = runner.invoke(app, ["sync", "--all", str(tmp_path)])
    assert result.exit_code == 2 and "no company configs (*.yaml)" in result.output


def test_all_and_out_do_not_go_together(tmp_path: Path):
    (tmp_path / "a.yaml").write_text("company: A\n")
    result = runner.invoke(app, ["sync", "--all", str(tmp_path), "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 2 and "--out" in result.output
