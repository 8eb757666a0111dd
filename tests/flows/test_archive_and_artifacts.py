"""What a run leaves behind: the company's report archive (a file per day, latest, index),
reproducible from stored data, and its artifacts and final state message in Prefect."""

from __future__ import annotations

import asyncio
import re
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from connectors import load_config
from flows.archive import archive_folder
from flows.artifacts import run_markdown
from flows.cli import app
from flows.nightly import nightly_sync
from flows.pipeline import MetricOutcome, SyncSummary

AS_OF = date(2026, 11, 27)
runner = CliRunner()


def without_generated_at(html: str) -> str:
    return re.sub(r"[Gg]enerated[^<]*", "", html)


def test_each_company_archives_its_own_days_latest_and_index(prefect_harness, demo_config: Path, tmp_path, monkeypatch):
    other = demo_config.with_name("beta.yaml")
    other.write_text(demo_config.read_text().replace("company: Acme Cloud", "company: Beta Labs"))
    monkeypatch.delenv("OKR_DATABASE_URL")  # each company its own database, beside its config
    for config_path in (demo_config, other):
        text = config_path.read_text().replace("database_url: sqlite:///okr.db", f"database_url: sqlite:///{config_path.stem}.db")
        config_path.write_text(text)
        for day in (date(2026, 11, 26), AS_OF):
            nightly_sync(str(config_path), as_of=day, today=AS_OF, send_email=False)

    acme, beta = archive_folder(load_config(demo_config)), archive_folder(load_config(other))
    assert (acme.name, beta.name) == ("acme-cloud", "beta-labs") and acme.parent == beta.parent
    for folder, company in ((acme, "Acme Cloud"), (beta, "Beta Labs")):
        assert sorted(path.name for path in folder.glob("*.html")) == ["2026-11-26.html", "2026-11-27.html", "index.html", "latest.html"]
        assert (folder / "latest.html").read_text() == (folder / "2026-11-27.html").read_text()
        assert company in (folder / "2026-11-27.html").read_text()
        index = (folder / "index.html").read_text()
        assert index.index("2026-11-27") < index.index("2026-11-26"), "newest first"
    assert "Beta Labs" not in (acme / "latest.html").read_text()

    # A past day's report, rendered again from what is stored, is the archived one.
    archived = (acme / "2026-11-26.html").read_text()
    (acme / "2026-11-26.html").unlink()
    result = runner.invoke(app, ["report", "--as-of", "2026-11-26", "-c", str(demo_config)])
    assert result.exit_code == 0, result.output
    assert without_generated_at((acme / "2026-11-26.html").read_text()) == without_generated_at(archived)
    assert (acme / "latest.html").read_text() == (acme / "2026-11-27.html").read_text(), "an older day never replaces latest"


def test_okr_reports_dir_moves_every_company_s_archive_root(demo_config: Path, tmp_path):
    config = load_config(demo_config)
    assert archive_folder(config, {}) == demo_config.parent / ".okr" / "reports" / "acme-cloud"
    assert archive_folder(config, {"OKR_REPORTS_DIR": str(tmp_path / "archive")}) == tmp_path / "archive" / "acme-cloud"
    assert archive_folder(config, {"OKR_REPORTS_DIR": "published"}) == demo_config.parent / "published" / "acme-cloud", "relative: from the config's folder"


def test_the_run_markdown_escapes_config_text():
    summary = SyncSummary(run_id="r", as_of=AS_OF, metrics=[
        MetricOutcome("<script>alert(1)</script>", "hubspot", "failed", AS_OF, AS_OF, error="bad | value *x*"),
    ])
    markdown = run_markdown(summary, None)
    assert "<script>" not in markdown and "&lt;script&gt;" in markdown
    assert "bad \\| value \\*x\\*" in markdown


def test_a_run_publishes_its_markdown_and_report_link_and_a_summary_state(prefect_harness, demo_config: Path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    state = nightly_sync(str(demo_config), as_of=AS_OF, today=AS_OF, send_email=False, return_state=True)
    assert state.is_completed()
    assert re.fullmatch(r"7 of 7 metrics synced, \d+ API calls; \d+ items? need attention", state.message), state.message

    async def artifacts(key: str):
        async with get_client() as client:
            # The harness is shared by the session: the newest artifact under the key is this run's.
            return await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])), sort=ArtifactSort.CREATED_DESC, limit=1)

    (markdown,) = asyncio.run(artifacts("okr-sync-acme-cloud"))
    assert "| inbound\\_mqls | succeeded |" in markdown.data and "### Needs attention" in markdown.data
    (link,) = asyncio.run(artifacts("okr-report-acme-cloud"))
    assert link.data.startswith("[Acme Cloud report, 2026-11-27](file://") and "2026-11-27.html" in link.data


def test_an_incomplete_run_fails_with_its_one_line_summary(prefect_harness, demo_config: Path):
    import pytest

    from flows.nightly import SyncIncomplete

    demo_config.write_text(demo_config.read_text().replace("stage: marketingqualifiedlead}", "stage: marketingqualifiedleed}"))
    state = nightly_sync(str(demo_config), as_of=AS_OF, today=AS_OF, send_email=False, return_state=True)
    assert state.is_failed()
    assert re.fullmatch(r"6 of 7 metrics synced, \d+ API calls; \d+ items? need attention; 1 metric failed", state.message), state.message
    with pytest.raises(SyncIncomplete):
        nightly_sync(str(demo_config), as_of=AS_OF, today=AS_OF, send_email=False)


def test_two_companies_never_write_one_database(prefect_harness, demo_config: Path):
    nightly_sync(str(demo_config), as_of=AS_OF, today=AS_OF, send_email=False)
    other = demo_config.with_name("beta.yaml")
    other.write_text(demo_config.read_text().replace("company: Acme Cloud", "company: Beta Labs"))
    result = runner.invoke(app, ["sync", "-c", str(other), "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 2
    assert "holds the OKRs of 'Acme Cloud', not of 'Beta Labs': give each company its own database_url" in result.stderr
    status = runner.invoke(app, ["status", "--json", "-c", str(demo_config), "--as-of", AS_OF.isoformat()])
    assert status.exit_code == 0, "the first company's database is untouched"


def test_companies_whose_names_make_one_folder_name_still_get_their_own(tmp_path):
    from connectors import parse_config
    from flows.archive import write_to_archive
    from okrmodel.briefing import build_report_data
    from okrmodel.storage import Store

    folders = []
    for company in ("Acme Cloud", "ACME cloud!", "Компания Альфа", "Компания Бета"):
        config = parse_config(f"company: {company}\nperiod: 2026-Q4\n", base_dir=tmp_path)
        with Store(f"sqlite:///{tmp_path / (str(len(folders)) + '.db')}") as store:
            data = build_report_data(config, store, AS_OF)
        folder = archive_folder(config)
        write_to_archive(folder, data, f"<p>{company}</p>")
        folders.append(folder)
        assert archive_folder(config) == folder, "the same company finds its folder again"
    assert len(set(folders)) == 4
    for folder, company in zip(folders, ("Acme Cloud", "ACME cloud!", "Компания Альфа", "Компания Бета")):
        assert (folder / "latest.html").read_text() == f"<p>{company}</p>"
