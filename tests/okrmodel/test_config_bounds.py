"""Every number in okrs.yaml is bounded and no boolean passes for one; every name is one line of
text; every refusal is located and in the product's words.

The first test walks the whole schema (every source type, metric kind, email, notify, objectives):
a field added later without bounds fails it.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
import yaml
from pydantic import BaseModel

from connectors import parse_config
from okrmodel.config import Config, ConfigError
from okrmodel.config_errors import format_location

EVERY_MODEL = """\
company: Acme Cloud
timezone: Europe/Berlin
period: 2026-Q4
report_url: https://okr.acme.example
database_url: sqlite:///okr.db
thresholds: {on_track: 0.9, at_risk: 0.7}
sources:
  hubspot: {type: hubspot, token_env: HUBSPOT_TOKEN, base_url: "http://127.0.0.1:8765", timeout_seconds: 30,
            search_requests_per_second: 5, requests_per_10_seconds: 100, look_back_days: 2}
  ga4: {type: ga4, property_id: "123456789", credentials_env: GA4_KEY, timeout_seconds: 60, look_back_days: 3}
  plausible: {type: plausible, site_id: acme.example, token_env: PLAUSIBLE_TOKEN, timeout_seconds: 30, look_back_days: 1}
  sheet: {type: csv, path: data/traffic.csv, date_column: date, timeout_seconds: 30, look_back_days: 7}
metrics:
  entered: {source: hubspot, kind: contacts_entered_stage, stage: marketingqualifiedlead, description: MQLs, freshness_days: 1,
            where: {amount: {gte: 1000, lt: 5000, not: [a, b], has: true}, hs_analytics_source: [ORGANIC_SEARCH]}}
  created: {source: hubspot, kind: contacts_created, where: {country: DE}}
  in_stage: {source: hubspot, kind: contacts_in_stage, stage: lead}
  deals: {source: hubspot, kind: deals_created, sum: amount, pipeline: default, dealstage: appointmentscheduled}
  won: {source: hubspot, kind: deals_closed_won, sum: amount, pipeline: default, dealstage: closedwon}
  emails: {source: hubspot, kind: marketing_emails_sent, name_contains: Newsletter, campaign: Q4, sum: sent}
  visits: {source: hubspot, kind: web_sessions, measure: visits, sources: [organic]}
  sessions: {source: ga4, kind: ga4_metric, metric: sessions, where: {sessionDefaultChannelGroup: Organic Search}}
  visitors: {source: plausible, kind: plausible_metric, metric: visitors, where: {"visit:source": Google}}
  signups: {source: sheet, kind: csv_column, column: signups}
objectives:
  - id: demand-gen
    title: Build a new demand generation channel
    owner: maria@acme.example
    description: Inbound first
    weight: 1
    key_results:
      - {id: mqls, title: Reach 30 MQLs, owner: maria@acme.example, metric: entered, baseline: 20, target: 30, unit: MQLs,
         weight: 1, start: "2026-10-01", due: "2026-12-31", period: 2026-Q4}
      - {id: training, title: Train 5 people, target: 5, checkin_every: week}
    actions:
      - {title: Draft the OKR proposal, owner: maria@acme.example, due: "2026-10-09", status: done, period: 2026-Q4}
  - {id: child, title: Grow the channel, parent: demand-gen, key_results: []}
email:
  smtp_host: smtp.acme.example
  smtp_port: 587
  username: okr
  password_env: SMTP_PASSWORD
  sender: okr@acme.example
  recipients: [ceo@acme.example]
  subject: "{company} OKRs"
  timeout_seconds: 30
notify:
  - {type: slack, webhook_env: SLACK_OKR_WEBHOOK, timeout_seconds: 10}
  - {type: teams, webhook_block: okr-teams, timeout_seconds: 10}
"""

FREE_TEXT = {"description"}
"""Strings that may be empty or span lines: free text for people."""
FILTER_VALUES = {"gte", "lt", "not_", "has"}
"""A ``where`` condition's values: the source's own (text, numbers, dates, true/false), checked against it online."""


def _leaves(annotation: Any) -> set[Any]:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return {leaf for argument in get_args(annotation) for leaf in _leaves(argument)}
    if origin is Annotated:
        return _leaves(get_args(annotation)[0])
    return {annotation}


def _models(value: Any, location: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], BaseModel]]:
    """Every settings model in a loaded config, with the place in the file it came from."""
    if isinstance(value, BaseModel):
        yield location, value
        for name, field in type(value).model_fields.items():
            if not field.exclude:
                yield from _models(getattr(value, name), location + (field.alias or name,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _models(item, location + (index,))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _models(item, location + (key,))


def _fields(wanted: str) -> Iterator[tuple[tuple[str | int, ...], str, str]]:
    """(place of the model in the file, key, model's name) for every field of every model that
    takes a number (``wanted="number"``) or text (``"text"``), once per model class."""
    config = parse_config(EVERY_MODEL)
    seen: set[tuple[type, str]] = set()
    for location, model in _models(config, ()):
        for name, field in type(model).model_fields.items():
            if field.exclude or (type(model), name) in seen or name in FILTER_VALUES:
                continue
            leaves = _leaves(field.annotation)
            numeric = bool(leaves & {int, float})
            text = str in leaves and name not in FREE_TEXT | {"type", "kind"}
            if (wanted == "number" and numeric) or (wanted == "text" and text):
                seen.add((type(model), name))
                yield location, field.alias or name, type(model).__name__


def _with(location: tuple[str | int, ...], key: str, value: Any) -> str:
    data = yaml.safe_load(EVERY_MODEL)
    node = data
    for part in location:
        node = node[part]
    node[key] = value
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _refusals(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    return [problem.render("okrs.yaml") for problem in caught.value.problems]


def test_the_full_example_loads():
    config = parse_config(EVERY_MODEL)
    assert isinstance(config, Config) and len(config.metrics) == 10 and len(config.notify) == 2


NUMERIC = list(_fields("number"))
TEXT = list(_fields("text"))


def test_the_walk_finds_every_kind_of_field():
    numeric = {(model, key) for _, key, model in NUMERIC}
    assert {("HubSpotSource", "search_requests_per_second"), ("KeyResult", "target"), ("SlackDestination", "timeout_seconds"),
            ("EmailSettings", "smtp_port"), ("Thresholds", "on_track"), ("CsvColumn", "freshness_days")} <= numeric
    assert len(numeric) >= 25
    assert {("HubSpotSource", "token_env"), ("Objective", "owner"), ("KeyResult", "unit"), ("MarketingEmailsSent", "campaign")} <= {
        (model, key) for _, key, model in TEXT}


@pytest.mark.parametrize("bad", [True, False, 1e300, -1e300, 10**400], ids=["true", "false", "1e300", "-1e300", "10**400"])
@pytest.mark.parametrize(("location", "key", "model"), NUMERIC, ids=[f"{model}.{key}" for _, key, model in NUMERIC])
def test_every_number_is_bounded_and_no_boolean(location, key, model, bad):
    found = _refusals(_with(location, key, bad))
    assert any(line.startswith(f"okrs.yaml: {format_location(location + (key,))}: ") for line in found), found
    assert all("Input should" not in line and "(line " in line for line in found), found


@pytest.mark.parametrize("bad", ["", "   ", "two\nlines"], ids=["empty", "blank", "two-lines"])
@pytest.mark.parametrize(("location", "key", "model"), TEXT, ids=[f"{model}.{key}" for _, key, model in TEXT])
def test_every_name_is_one_line_of_text(location, key, model, bad):
    found = _refusals(_with(location, key, bad))
    assert found and all("Input should" not in line and "(line " in line for line in found), found


def _problem(old: str, new: str) -> list[str]:
    text = EVERY_MODEL.replace(old, new, 1)
    assert text != EVERY_MODEL, old
    return _refusals(text)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # A rate that low passed and then stalled the sync for days between two requests.
        ("search_requests_per_second: 5,", "search_requests_per_second: 1e-7,",
         "okrs.yaml: sources.hubspot.search_requests_per_second: must be at least 0.1 (line 9)"),
        # A timeout that large overflowed the HTTP library for every metric.
        ("token_env: HUBSPOT_TOKEN, base_url: \"http://127.0.0.1:8765\", timeout_seconds: 30,",
         "token_env: HUBSPOT_TOKEN, base_url: \"http://127.0.0.1:8765\", timeout_seconds: 1e300,",
         "okrs.yaml: sources.hubspot.timeout_seconds: must be at most 600 (line 8)"),
        ("token_env: HUBSPOT_TOKEN,", "token_env: '',",
         "okrs.yaml: sources.hubspot.token_env: must name an environment variable (letters, digits and underscores, such as "
         "HUBSPOT_TOKEN) that holds the secret, not the secret (line 8)"),
        ("baseline: 20, target: 30,", "baseline: 20, target: true,",
         "okrs.yaml: objectives[0].key_results[0].target: must be a number, not true or false (line 32)"),
        ("baseline: 20, target: 30,", "baseline: 20, target: 1e16,",
         "okrs.yaml: objectives[0].key_results[0].target: must be at most 1,000,000,000,000,000 (line 32)"),
        # Progress divides by the distance from baseline to target: any actual was infinite progress, not JSON.
        ("baseline: 20, target: 30,", "baseline: 0, target: 5e-324,",
         "okrs.yaml: objectives[0].key_results[0].target: target 4.94066e-324 is only 4.94066e-324 from the baseline 0; "
         "give both in the unit's real numbers (progress divides by the distance) (line 32)"),
        ("period: 2026-Q4\nreport_url", "period: 5\nreport_url",
         "okrs.yaml: period: must be a quarter such as 2026-Q4, or a list of quarters such as [2026-Q3, 2026-Q4] (line 3)"),
        ("due: \"2026-10-09\"", "due: 0", "okrs.yaml: objectives[0].actions[0].due: must be a date such as 2026-10-31 (YYYY-MM-DD) (line 36)"),
        ("smtp_port: 587", "smtp_port: true", "okrs.yaml: email.smtp_port: must be a number, not true or false (line 40)"),
        ("look_back_days: 7}", "look_back_days: 2.5}", "okrs.yaml: sources.sheet.look_back_days: must be a whole number (line 12)"),
        ("where: {country: DE}", "where: {country: null}",
         "okrs.yaml: metrics.created.where.country: must be text, a number, true/false, a list or a mapping (line 16)"),
        ("where: {country: DE}", "where: {country: {gte: [1]}}",
         "okrs.yaml: metrics.created.where.country.gte: must be text, a number or true/false (line 16)"),
        ("where: {country: DE}", "where: {amount: {gte: true}}",
         "okrs.yaml: metrics.created.where.amount.gte: must be a number or a date, not true or false (has: true asks for any value) (line 16)"),
        ("where: {country: DE}", "where: {'': DE}", "okrs.yaml: metrics.created.where['']: the name must not be empty; leave the key out instead (line 16)"),
        ("  signups: {source", "  '': {source", "okrs.yaml: metrics['']: the name must not be empty; leave the key out instead (line 24)"),
        ("objectives:\n", "objectives: 5\nobjective:\n", "okrs.yaml: objectives: must be a list (line 25)"),
        ("email:\n  smtp_host", "email: 5\nmail:\n  smtp_host", "okrs.yaml: email: must be a mapping (line 38)"),
    ],
)
def test_refusals_are_in_the_products_words(old, new, expected):
    assert expected in _problem(old, new)


def test_a_pasted_secret_is_never_quoted_back():
    found = _problem("token_env: HUBSPOT_TOKEN,", "token_env: pat-na1-0123abcd-secret,")
    assert found == [
        "okrs.yaml: sources.hubspot.token_env: must name an environment variable (letters, digits and underscores, such as "
        "HUBSPOT_TOKEN) that holds the secret, not the secret (line 8)"
    ]
    assert not any("pat-na1" in line for line in _problem("credentials_env: GA4_KEY,", "credentials_env: '{\"private_key\": \"pat-na1\"}',"))
