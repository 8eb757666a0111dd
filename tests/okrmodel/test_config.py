"""The okrs.yaml contract: valid files load, every bad input gets a located message."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from connectors import load_config, parse_config
from okrmodel.config import ConfigError
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
    assert any(line.startswith("okrs.yaml: objectives[0].key_results[3].target: must be a number (line 27)") for line in lines)
    assert any(line.startswith("okrs.yaml: objectives[0].key_results[3].colour: unknown key") for line in lines)
    assert len(lines) == 4


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("period: 2026-Q4", "period: 2026-Q5"), "okrs.yaml: period: period '2026-Q5' is not a quarter such as '2026-Q4' (line 3)"),
        (("company: Acme Cloud\n", ""), "okrs.yaml: company: required key is missing"),
        (("source: hubspot\n    kind: contacts_entered_stage", "source: hubspt\n    kind: contacts_entered_stage"),
         "okrs.yaml: metrics.inbound_mqls.source: unknown source 'hubspt' (did you mean 'hubspot'?) (line 8)"),
        (("        window: last_30_days", "        window: yesterday"), "okrs.yaml: objectives[0].key_results[0].window: must be one of 'period', 'month', 'last_30_days' or 'latest' (line 22)"),
        (("{id: mql-pool, title: Grow the MQL pool to 250, metric: mqls_now, target: 250}", "{id: mql-pool, title: Grow, metric: mqls_now, target: 250, window: latest}"), None),
        (("{id: newsletters, title: Send 3 email newsletters, metric: newsletters, target: 3}", "{id: newsletters, title: Send 3, metric: newsletters, target: 3, window: latest}"),
         "okrs.yaml: objectives[0].key_results[1].window: window 'latest' needs a snapshot metric"),
        (("id: mql-pool", "id: inbound-mqls"), "okrs.yaml: objectives[0].key_results[2].id: duplicate key result id 'inbound-mqls' (also objectives[0].key_results[0])"),
        (("base_url: \"http://127.0.0.1:8765/\"", "base_url: 127.0.0.1"), "okrs.yaml: sources.hubspot.base_url: base_url must start with http:// or https://"),
        (("type: hubspot", "type: hubspott"), "okrs.yaml: sources.hubspot: unknown type 'hubspott' (did you mean 'hubspot'?)"),
        (("timezone: Europe/Berlin\n", "timezone: Europe/Berlin\ntimezone: UTC\n"), "okrs.yaml: timezone: key appears twice"),
        (("objectives:\n", "objectives: [\n"), "okrs.yaml: not valid YAML"),
        (("due: 2026-10-09", "due: 2026-13-09"), "okrs.yaml: objectives[0].actions[0].due: must be a date such as 2026-10-31 (YYYY-MM-DD) (line 29)"),
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("? [a, b]\n: 1\n", "okrs.yaml: not valid YAML: a key must be a plain value such as a name, not a list or mapping (line 1)"),
        ("company: Acme\n? {a: 1}\n: 2\n", "okrs.yaml: not valid YAML: a key must be a plain value such as a name, not a list or mapping (line 2)"),
        ("objectives: &a\n  - *a\n", "okrs.yaml: objectives[0]: not valid YAML: an alias refers to a node that contains it (a cycle) (line 2)"),
        ("company: Acme\nmetrics: &m\n  x: *m\n", "okrs.yaml: metrics.x: not valid YAML: an alias refers to a node that contains it (a cycle) (line 3)"),
        ("company: !custom Acme\n", "okrs.yaml: not valid YAML: could not determine a constructor for the tag '!custom' (line 1)"),
        ("company: Acme\nperiod: 2026-Q4\ntarget: !!int five\n", "okrs.yaml: not valid YAML: invalid literal for int() with base 10: 'five' (line 3)"),
    ],
)
def test_malformed_yaml_is_a_located_problem_not_a_traceback(text, expected):
    assert problems(text) == [expected]


@pytest.mark.parametrize(
    ("old", "new", "location"),
    [
        ("target: 5}", "target: .nan}", "objectives[0].key_results[3].target"),
        ("target: 5}", "target: .inf}", "objectives[0].key_results[3].target"),
        ("baseline: 20", "baseline: -.inf", "objectives[0].key_results[0].baseline"),
        ("period: 2026-Q4", "period: 2026-Q4\nthresholds: {on_track: .nan}", "thresholds.on_track"),
        ("where: {hs_analytics_source: [ORGANIC_SEARCH, SOCIAL_MEDIA]}", "where: {amount: {gte: .nan}}", "metrics.inbound_mqls.where.amount"),
    ],
)
def test_nan_and_infinity_are_not_numbers_a_config_can_mean(old, new, location):
    found = problems(VALID.replace(old, new, 1))
    assert any(line.startswith(f"okrs.yaml: {location}") and "must be a finite number, not .nan or .inf" in line for line in found), found


def test_an_alias_used_twice_without_a_cycle_still_loads():
    shared = VALID.replace("    owner: maria@acme.example\n    key_results:", "    owner: &owner maria@acme.example\n    key_results:", 1)
    shared = shared.replace("target: 5}", "target: 5, owner: *owner}", 1)
    assert parse_config(shared).objectives[0].key_results[3].owner == "maria@acme.example"


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


# --- the OKR model's keys: defaults and located errors ------------------------


def test_model_defaults_direction_aggregation_weight_and_single_period():
    from okrmodel.aggregation import Aggregation
    from okrmodel.progress import Direction

    config = parse_config(VALID)
    inbound, newsletters, pool, training = config.objectives[0].key_results
    assert (inbound.effective_direction, inbound.weight, config.objectives[0].weight) == (Direction.INCREASE, 1.0, 1.0)
    assert (config.aggregation(newsletters), config.aggregation(pool)) == (Aggregation.SUM, Aggregation.LATEST)
    assert (config.period, config.period_label, [p.label for p in config.periods]) == ("2026-Q4", "2026-Q4", ["2026-Q4"])
    decreasing = parse_config(VALID.replace("baseline: 20\n        target: 30", "baseline: 120\n        target: 90"))
    assert decreasing.objectives[0].key_results[0].effective_direction is Direction.DECREASE
    several = parse_config(VALID.replace("period: 2026-Q4", "period: [2026-Q4, 2026-Q3]").replace("target: 30", "target: 30\n        period: 2026-Q4")
                           .replace("target: 3}", "target: 3, period: 2026-Q3}").replace("target: 250}", "target: 250, period: 2026-Q4}")
                           .replace("target: 5}", "target: 5, period: 2026-Q4}"))
    assert several.period_label == "2026-Q3, 2026-Q4"
    assert several.current_period(date(2026, 8, 1)).label == "2026-Q3"
    assert several.current_period(date(2027, 2, 1)).label == "2026-Q4"  # after the last: the newest


KR = "      - {id: crm-training, title: Train 5 team members to use the marketing CRM, target: 5}"


@pytest.mark.parametrize(
    ("replacement", "message"),
    [
        ("      - {id: crm-training, title: T, baseline: 10, target: 5, direction: increase}",
         "objectives[0].key_results[3].direction: direction increase needs a target above the baseline, got 10 -> 5; use decrease (line 27)"),
        ("      - {id: crm-training, title: T, target: 5, direction: sideways}",
         "objectives[0].key_results[3].direction: must be one of 'increase', 'decrease', 'stay_above', 'stay_below' or 'milestone' (line 27)"),
        ("      - {id: crm-training, title: T, target: 5, weight: 0}",
         "objectives[0].key_results[3].weight: must be more than 0 (line 27)"),
        ("      - {id: crm-training, title: T, target: 5, aggregation: sum}",
         "objectives[0].key_results[3].aggregation: aggregation needs a metric; manual key results take their latest check-in (line 27)"),
        ("      - {id: crm-training, title: T, metric: mqls_now, target: 5, aggregation: sum}",
         "objectives[0].key_results[3].aggregation: a snapshot metric (contacts_in_stage) does not add up over days; use latest or average (line 27)"),
        ("      - {id: crm-training, title: T, metric: newsletters, target: 5, average_per: month}",
         "objectives[0].key_results[3].average_per: average_per needs aggregation: average (line 27)"),
        ("      - {id: crm-training, title: T, target: 5, start: 2026-09-01}",
         "objectives[0].key_results[3].start: start 2026-09-01 is outside period 2026-Q4 (2026-10-01 to 2026-12-31) (line 27)"),
        ("      - {id: crm-training, title: T, target: 5, start: 2026-11-10, due: 2026-11-01}",
         "objectives[0].key_results[3].due: due 2026-11-01 is before start 2026-11-10 (line 27)"),
        ("      - {id: crm-training, title: T, target: 5, period: 2026-Q3}",
         "objectives[0].key_results[3].period: period 2026-Q3 is not listed in the file's period (2026-Q4) (line 27)"),
        ("      - {id: crm-training, title: T, target: 5, period: Q3}",
         "objectives[0].key_results[3].period: period 'Q3' is not a quarter such as '2026-Q4' (line 27)"),
        ("      - {id: crm-training, title: T, metric: newsletters, target: 5, checkin_every: week}",
         "objectives[0].key_results[3].checkin_every: checkin_every is for key results without a metric; a metric's freshness is its freshness_days (line 27)"),
    ],
)
def test_bad_model_keys_are_located(replacement, message):
    assert problems(VALID.replace(KR, replacement)) == [f"okrs.yaml: {message}"]


RUNNING_TOTAL = "a running total only grows: use window last_30_days/month, or aggregation latest/average (line 27)"


@pytest.mark.parametrize(
    ("replacement", "direction"),
    [
        ("      - {id: crm-training, title: T, metric: newsletters, baseline: 120, target: 90}", "decrease"),  # inferred
        ("      - {id: crm-training, title: T, metric: newsletters, direction: decrease, baseline: 120, target: 90, aggregation: sum, window: period}", "decrease"),
        ("      - {id: crm-training, title: T, metric: newsletters, direction: stay_above, target: 5}", "stay_above"),
    ],
)
def test_a_decrease_or_floor_on_a_period_sum_is_a_located_error(replacement, direction):
    assert problems(VALID.replace(KR, replacement)) == [
        f"okrs.yaml: objectives[0].key_results[3].direction: direction {direction} on the period's sum of 'newsletters': {RUNNING_TOTAL}"
    ]


@pytest.mark.parametrize(
    "replacement",
    [
        "      - {id: crm-training, title: T, metric: newsletters, direction: stay_below, target: 5}",  # a cap on a total holds
        "      - {id: crm-training, title: T, metric: newsletters, baseline: 120, target: 90, window: month}",
        "      - {id: crm-training, title: T, metric: newsletters, baseline: 120, target: 90, window: last_30_days}",
        "      - {id: crm-training, title: T, metric: newsletters, baseline: 120, target: 90, aggregation: average}",
        "      - {id: crm-training, title: T, metric: mqls_now, baseline: 120, target: 90}",  # a snapshot: latest
        "      - {id: crm-training, title: T, metric: newsletters, direction: stay_above, target: 1, window: month}",
    ],
)
def test_decrease_and_floors_over_windows_or_levels_stay_valid(replacement):
    parse_config(VALID.replace(KR, replacement))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("    owner: maria@acme.example\n    key_results:", "    owner: maria@acme.example\n    parent: demand-gn\n    key_results:",
         "objectives[0].parent: unknown objective 'demand-gn' (did you mean 'demand-gen'?) (line 18)"),
        ("    owner: maria@acme.example\n    key_results:", "    owner: maria@acme.example\n    parent: demand-gen\n    key_results:",
         "objectives[0].parent: parent links form a cycle: demand-gen -> demand-gen (line 18)"),
        ("period: 2026-Q4", "period: [2026-Q4, 2026-Q4]", "period: period 2026-Q4 is listed twice (line 3)"),
        ("period: 2026-Q4", "period: 2026-Q4\nthresholds: {on_track: 0.6, at_risk: 0.8}", "thresholds.at_risk: at_risk (0.8) must not exceed on_track (0.6) (line 4)"),
        ("stage: marketingqualifiedlead}", "stage: marketingqualifiedlead, freshness_days: 0}", "metrics.mqls_now.freshness_days: must be at least 1 (line 13)"),
        ("status: done, owner: maria@acme.example}", "status: done, owner: maria@acme.example, period: 2027-Q1}",
         "objectives[0].actions[0].period: period 2027-Q1 is not listed in the file's period (2026-Q4) (line 29)"),
    ],
)
def test_bad_alignment_periods_and_thresholds_are_located(old, new, message):
    assert f"okrs.yaml: {message}" in problems(VALID.replace(old, new))


def test_several_periods_need_each_key_result_to_say_which():
    text = VALID.replace("period: 2026-Q4", "period: [2026-Q3, 2026-Q4]")
    found = problems(text)
    assert "okrs.yaml: objectives[0].key_results[1].period: the file lists several periods (2026-Q3, 2026-Q4); say which one this key result belongs to (line 25)" in found
    assert len(found) == 4


WEB_SOURCES = VALID.replace(
    "sources:\n",
    "sources:\n"
    "  ga4: {type: ga4, property_id: 123456789}\n"
    "  plausible: {type: plausible, site_id: acme.example, token_env: PLAUSIBLE_TOKEN}\n"
    "  sheet: {type: csv, path: data/traffic.csv}\n",
).replace(
    "metrics:\n",
    "metrics:\n"
    "  organic_sessions: {source: ga4, kind: ga4_metric, metric: sessions, where: {sessionDefaultChannelGroup: Organic Search}}\n"
    "  visitors: {source: plausible, kind: plausible_metric, metric: visitors, where: {\"visit:source\": [Google, Bing]}}\n"
    "  webinar_signups: {source: sheet, kind: csv_column, column: signups}\n",
)


def test_web_analytics_sources_load_as_flows():
    config = parse_config(WEB_SOURCES)
    assert config.sources["ga4"].property_id == "123456789"  # unquoted in YAML, still the id
    assert (config.sources["ga4"].credentials_env, config.sources["plausible"].base_url) == ("GA4_CREDENTIALS_JSON", "https://plausible.io")
    assert {name: config.metrics[name].nature.value for name in ("organic_sessions", "visitors", "webinar_signups")} == dict.fromkeys(
        ("organic_sessions", "visitors", "webinar_signups"), "flow"
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("{source: ga4, kind: ga4_metric", "{source: hubspot, kind: ga4_metric"),
         "okrs.yaml: metrics.organic_sessions.kind: kind 'ga4_metric' needs a source of type ga4, not 'hubspot' (line 10)"),
        (("{source: sheet, kind: csv_column", "{source: plausible, kind: csv_column"),
         "okrs.yaml: metrics.webinar_signups.kind: kind 'csv_column' needs a source of type csv, not 'plausible' (line 12)"),
        (("metric: sessions", "metric: session"), "okrs.yaml: metrics.organic_sessions.metric: must be one of 'sessions', "),
        (("property_id: 123456789", "property_id: G-ABC123"),
         "okrs.yaml: sources.ga4.property_id: property_id is the numeric GA4 property id (Admin > Property details), such as '123456789', not 'G-ABC123' (line 5)"),
        (('"visit:source": [Google, Bing]', '"source": Google'),
         "okrs.yaml: metrics.visitors.where: 'source' is not a name such as visit:source, event:page or event:props:plan (line 11)"),
        (("[Google, Bing]", "[Google, '']"), "okrs.yaml: metrics.visitors.where: visit:source: an empty value cannot be sent to Plausible"),
        (("{sessionDefaultChannelGroup: Organic Search}", "{sessionDefaultChannelGroup: []}"),
         "okrs.yaml: metrics.organic_sessions.where: sessionDefaultChannelGroup: list at least one value (line 10)"),
        (("type: plausible,", "type: plausibel,"),
         "okrs.yaml: sources.plausible: unknown type 'plausibel' (did you mean 'plausible'?); expected one of hubspot, ga4, plausible, csv"),
        (("path: data/traffic.csv", "url: http://acme.example/t.csv"), "okrs.yaml: sources.sheet.url: url must start with https://, got 'http://acme.example/t.csv' (line 7)"),
    ],
)
def test_bad_web_source_input_gets_one_located_message(change, expected):
    text = WEB_SOURCES.replace(*change)
    assert text != WEB_SOURCES, "the test's replacement did not apply"
    lines = problems(text)
    assert len(lines) == 1, lines
    assert lines[0].startswith(expected), lines[0]


UNIQUE = WEB_SOURCES.replace(
    "metrics:\n",
    "metrics:\n"
    "  users: {source: ga4, kind: ga4_metric, metric: totalUsers}\n"
    "  portal_visitors: {source: hubspot, kind: web_sessions, measure: visitors}\n"
    "  portal_visits: {source: hubspot, kind: web_sessions}\n",
)
UNIQUE_KR = "      - {{id: crm-training, title: Grow unique visitors, metric: {metric}, target: 50000{extra}}}"


def test_unique_counts_default_to_their_window_total_and_other_flows_to_a_sum():
    from okrmodel.aggregation import Aggregation

    aggregations = {}
    for metric in ("visitors", "users", "portal_visitors", "portal_visits", "organic_sessions"):
        config = parse_config(UNIQUE.replace(KR, UNIQUE_KR.format(metric=metric, extra="")))
        aggregations[metric] = config.aggregation(config.objectives[0].key_results[3])
    assert aggregations == {
        "visitors": Aggregation.TOTAL, "users": Aggregation.TOTAL, "portal_visitors": Aggregation.TOTAL,
        "portal_visits": Aggregation.SUM, "organic_sessions": Aggregation.SUM,
    }


def test_a_sum_of_a_unique_counts_days_is_refused_with_why_and_what_to_use():
    assert problems(UNIQUE.replace(KR, UNIQUE_KR.format(metric="visitors", extra=", aggregation: sum"))) == [
        "okrs.yaml: objectives[0].key_results[3].aggregation: visitors are unique people: a sum of days counts each one again on every "
        "day they come back; leave aggregation out to use the window's total, or use average for average daily visitors (line 36)"
    ]
    assert problems(UNIQUE.replace(KR, UNIQUE_KR.format(metric="users", extra=", aggregation: sum, window: month"))) == [
        "okrs.yaml: objectives[0].key_results[3].aggregation: users are unique people: a sum of days counts each one again on every "
        "day they come back; leave aggregation out to use the window's total, or use average for average daily users (line 36)"
    ]


@pytest.mark.parametrize(
    ("metric", "extra", "message"),
    [
        ("portal_visitors", ", aggregation: average, average_per: month",
         "average_per: average_per month would be daily visitors times 30, not the visitors of a month; use window: month for the month's total, or average_per: day"),
        ("portal_visits", ", aggregation: total", "aggregation: aggregation total is for unique counts (visitors, users); web_sessions adds up over days: use sum"),
        ("mqls_now", ", aggregation: total", "aggregation: a snapshot metric (contacts_in_stage) does not add up over days; use latest or average"),
        ("users", ", direction: stay_above", "direction: direction stay_above on the period's total of 'users': a running total only grows: "
         "use window last_30_days/month, or aggregation latest/average"),
    ],
)
def test_what_a_unique_count_cannot_mean_is_located(metric, extra, message):
    assert problems(UNIQUE.replace(KR, UNIQUE_KR.format(metric=metric, extra=extra))) == [f"okrs.yaml: objectives[0].key_results[3].{message} (line 36)"]


@pytest.mark.parametrize("extra", ["", ", aggregation: total", ", aggregation: average", ", window: last_30_days", ", window: month, direction: stay_above"])
def test_a_unique_counts_total_or_daily_average_stays_valid(extra):
    parse_config(UNIQUE.replace(KR, UNIQUE_KR.format(metric="visitors", extra=extra)))
