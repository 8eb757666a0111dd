"""The okrs.yaml contract: valid files load, every bad input gets a located message."""

from __future__ import annotations

from pathlib import Path

import pytest

from okrmodel.config import ConfigError, load_config, parse_config
from okrmodel.periods import WindowKind

VALID = """\
company: Acme Cloud
timezone: Europe/Berlin
period: 2026-Q4
sources:
  hubspot: {type: hubspot, token_env: HUBSPOT_TOKEN, base_url: "http://127.0.0.1:8765/"}
metrics:
  inbound_mqls:
    source: hubspot
    kind: contacts_entered_stage
    stage: marketingqualifiedlead
    where: {hs_analytics_source: [ORGANIC_SEARCH, SOCIAL_MEDIA]}
  newsletters: {source: hubspot, kind: marketing_emails_sent, name_contains: Newsletter}
  mqls_now: {source: hubspot, kind: contacts_in_stage, stage: marketingqualifiedlead}
objectives:
  - id: demand-gen
    title: Build a new demand generation channel
    owner: maria@acme.example
    key_results:
      - id: inbound-mqls
        title: Increase monthly MQLs attributed to inbound marketing from 20 to 30
        metric: inbound_mqls
        window: last_30_days
        baseline: 20
        target: 30
      - {id: newsletters, title: Send 3 email newsletters, metric: newsletters, target: 3}
      - {id: mql-pool, title: Grow the MQL pool to 250, metric: mqls_now, target: 250}
      - {id: crm-training, title: Train 5 team members to use the marketing CRM, target: 5}
    actions:
      - {title: Draft the OKR proposal, due: 2026-10-09, status: done, owner: maria@acme.example}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    return str(caught.value).splitlines()


def test_valid_file_loads_with_defaults():
    config = parse_config(VALID)
    objective = config.objectives[0]
    assert config.sources["hubspot"].base_url == "http://127.0.0.1:8765"
    assert [kr.id for kr in objective.key_results] == ["inbound-mqls", "newsletters", "mql-pool", "crm-training"]
    assert config.window_kind(objective.key_results[0]) is WindowKind.LAST_30_DAYS
    assert config.window_kind(objective.key_results[1]) is WindowKind.PERIOD
    assert config.window_kind(objective.key_results[2]) is WindowKind.LATEST  # snapshot default
    assert objective.key_results[1].start_value == 0
    assert config.planning_period.first_day.isoformat() == "2026-10-01"


def test_misspelt_metric_reference_is_located_and_suggested():
    assert problems(VALID.replace("metric: newsletters,", "metric: newslleters,")) == [
        "okrs.yaml: objectives[0].key_results[1].metric: unknown metric 'newslleters' (did you mean 'newsletters'?) (line 25)"
    ]


def test_every_schema_problem_is_reported_at_once():
    bad = (
        VALID.replace("timezone: Europe/Berlin", "timezone: Mars/Olympus")
        .replace("kind: contacts_in_stage", "kind: contacts_in_stag")
        .replace("target: 5}", "target: five, colour: red}")
    )
    lines = problems(bad)
    assert lines[0].startswith("okrs.yaml: timezone: unknown time zone 'Mars/Olympus'")
    assert any(line.startswith("okrs.yaml: metrics.mqls_now: unknown kind 'contacts_in_stag' (did you mean 'contacts_in_stage'?)") for line in lines)
    assert any(line.startswith("okrs.yaml: objectives[0].key_results[3].target: Input should be a valid number") for line in lines)
    assert any(line.startswith("okrs.yaml: objectives[0].key_results[3].colour: unknown key") for line in lines)
    assert len(lines) == 4


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("period: 2026-Q4", "period: 2026-Q5"), "okrs.yaml: period: period '2026-Q5' is not a quarter such as '2026-Q4' (line 3)"),
        (("company: Acme Cloud\n", ""), "okrs.yaml: company: required key is missing"),
        (("source: hubspot\n    kind: contacts_entered_stage", "source: hubspt\n    kind: contacts_entered_stage"),
         "okrs.yaml: metrics.inbound_mqls.source: unknown source 'hubspt' (did you mean 'hubspot'?) (line 8)"),
        (("        window: last_30_days", "        window: yesterday"), "okrs.yaml: objectives[0].key_results[0].window: Input should be"),
        (("{id: mql-pool, title: Grow the MQL pool to 250, metric: mqls_now, target: 250}", "{id: mql-pool, title: Grow, metric: mqls_now, target: 250, window: latest}"), None),
        (("{id: newsletters, title: Send 3 email newsletters, metric: newsletters, target: 3}", "{id: newsletters, title: Send 3, metric: newsletters, target: 3, window: latest}"),
         "okrs.yaml: objectives[0].key_results[1].window: window 'latest' needs a snapshot metric"),
        (("id: mql-pool", "id: inbound-mqls"), "okrs.yaml: objectives[0].key_results[2].id: duplicate key result id 'inbound-mqls' (also objectives[0].key_results[0])"),
        (("base_url: \"http://127.0.0.1:8765/\"", "base_url: 127.0.0.1"), "okrs.yaml: sources.hubspot.base_url: base_url must start with http:// or https://"),
        (("type: hubspot", "type: hubspott"), "okrs.yaml: sources.hubspot: unknown type 'hubspott' (did you mean 'hubspot'?)"),
        (("timezone: Europe/Berlin\n", "timezone: Europe/Berlin\ntimezone: UTC\n"), "okrs.yaml: timezone: key appears twice"),
        (("objectives:\n", "objectives: [\n"), "okrs.yaml: not valid YAML"),
        (("due: 2026-10-09", "due: 2026-13-09"), "okrs.yaml: objectives[0].actions[0].due: Input should be a valid date"),
    ],
)
def test_bad_input_gets_one_located_message(change, expected):
    text = VALID.replace(*change)
    assert text != VALID, "the test's replacement did not apply"
    if expected is None:
        parse_config(text)
        return
    lines = problems(text)
    assert len(lines) == 1, lines
    assert lines[0].startswith(expected), lines[0]


def test_not_a_mapping():
    assert problems("- just\n- a list\n") == ["okrs.yaml: the file must be a mapping with company, period, metrics and objectives"]


def test_missing_file_names_the_path(tmp_path: Path):
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.yaml")
    assert str(caught.value) == f"{tmp_path / 'nope.yaml'}: file not found; pass -c PATH or set OKR_CONFIG"


def test_database_url_resolves_relative_to_the_file(tmp_path: Path, monkeypatch):
    path = tmp_path / "team" / "okrs.yaml"
    path.parent.mkdir()
    path.write_text(VALID + "database_url: sqlite:///data/okr.db\n")
    config = load_config(path)
    monkeypatch.delenv("OKR_DATABASE_URL", raising=False)
    assert config.storage_url() == f"sqlite:///{tmp_path / 'team' / 'data' / 'okr.db'}"
    assert config.storage_url({"OKR_DATABASE_URL": "postgresql+psycopg://u@h/db"}) == "postgresql+psycopg://u@h/db"
    assert parse_config(VALID, base_dir=tmp_path).storage_url({}) == f"sqlite:///{tmp_path / '.okr' / 'okr.db'}"


def test_token_comes_from_the_environment_only():
    source = parse_config(VALID).sources["hubspot"]
    assert source.token({}) is None
    token = source.token({"HUBSPOT_TOKEN": "pat-na1-secret"})
    assert token is not None and token.get_secret_value() == "pat-na1-secret"
    assert "pat-na1-secret" not in repr(token)
