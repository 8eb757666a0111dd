"""``notify:`` in okrs.yaml: Slack and Teams destinations, each naming the variable that holds
its webhook URL; every mistake located like the rest of the schema, the URL never echoed."""

from __future__ import annotations

import pytest

from connectors import parse_config
from okrmodel.config import ConfigError, SlackDestination, TeamsDestination

BASE = "company: Acme\nperiod: 2026-Q4\n"


def test_destinations_are_told_apart_by_type():
    config = parse_config(BASE + "notify:\n  - {type: slack, webhook_env: SLACK_OKR_WEBHOOK}\n  - {type: teams, webhook_env: TEAMS_OKR_WEBHOOK, timeout_seconds: 20}\n")
    slack, teams = config.notify
    assert isinstance(slack, SlackDestination) and isinstance(teams, TeamsDestination)
    assert (slack.label, slack.timeout_seconds, teams.label, teams.timeout_seconds) == ("Slack ($SLACK_OKR_WEBHOOK)", 10.0, "Teams ($TEAMS_OKR_WEBHOOK)", 20.0)
    assert config.model_dump()["notify"] == [
        {"type": "slack", "webhook_env": "SLACK_OKR_WEBHOOK", "timeout_seconds": 10.0},
        {"type": "teams", "webhook_env": "TEAMS_OKR_WEBHOOK", "timeout_seconds": 20.0},
    ]
    assert type(config).model_validate({**config.model_dump(), "file_name": "again.yaml"}).notify == config.notify


def test_no_notify_means_no_destination():
    assert parse_config(BASE).notify == []


def test_the_url_comes_from_the_environment():
    destination = SlackDestination(type="slack", webhook_env="SLACK_OKR_WEBHOOK")
    assert destination.webhook_url({"SLACK_OKR_WEBHOOK": " https://hooks.slack.com/services/T/B/x\n"}).get_secret_value() == "https://hooks.slack.com/services/T/B/x"
    assert destination.webhook_url({}) is None
    assert "hooks" not in repr(destination.webhook_url({"SLACK_OKR_WEBHOOK": "https://hooks.slack.com/services/T/B/x"}))


@pytest.mark.parametrize(
    ("notify", "message"),
    [
        ("  - {type: slak, webhook_env: X}", "notify[0]: unknown type 'slak' (did you mean 'slack'?); expected one of slack, teams (line 4)"),
        ("  - {webhook_env: X}", "notify[0]: required key type is missing; expected one of slack, teams (line 4)"),
        ("  - {type: teams}", "notify[0]: give exactly one of webhook_env (an environment variable, such as TEAMS_OKR_WEBHOOK) or webhook_block (a Prefect Secret block's name) for the webhook URL (line 4)"),
        ("  - {type: slack, webhook_env: X, channel: '#okrs'}", "notify[0].channel: unknown key (line 4)"),
        ("  - {type: slack, webhook_env: X, timeout_seconds: 0}", "notify[0].timeout_seconds: must be at least 0.1 (line 4)"),
        ("  - {type: slack, webhook_env: 'okr webhook'}", "notify[0].webhook_env: webhook_env must be an environment variable name (letters, digits and underscores), such as SLACK_OKR_WEBHOOK (line 4)"),
        ("  - slack", "notify[0]: a destination is a mapping such as {type: slack, webhook_env: SLACK_OKR_WEBHOOK} (line 4)"),
        ("  - {type: slack, webhook_env: A}\n  - {type: teams, webhook_env: A}", "notify: notify[0] and notify[1] both post to $A: the channel would get every digest twice (line 3)"),
    ],
)
def test_mistakes_are_located(notify, message):
    with pytest.raises(ConfigError) as caught:
        parse_config(BASE + "notify:\n" + notify + "\n")
    assert str(caught.value) == f"okrs.yaml: {message}"


def test_a_pasted_url_is_refused_and_never_echoed():
    url = "https://hooks.slack.com/services/T0ACME/B0DIGEST/xoxb9Secret7TokenValue42"
    with pytest.raises(ConfigError) as caught:
        parse_config(BASE + f"notify:\n  - type: teams\n    webhook_env: {url}\n")
    assert str(caught.value) == (
        "okrs.yaml: notify[0].webhook_env: webhook_env names the environment variable that holds the webhook URL, not the URL: "
        "the URL is a secret; export it (say as TEAMS_OKR_WEBHOOK) and write webhook_env: TEAMS_OKR_WEBHOOK (line 5)"
    )
    assert "xoxb9Secret7TokenValue42" not in str(caught.value) and "T0ACME" not in str(caught.value)
