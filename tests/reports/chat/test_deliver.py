"""``post_digest``: one message per ``notify:`` destination, each failure its own, none raised."""

from __future__ import annotations

from datetime import date

import pytest

import reports.chat.deliver as deliver_module
from okrmodel.config import SlackDestination, TeamsDestination
from reports.chat import build_digest, post_digest, report_link, slack_message, teams_message
from reports.view import build_view

SLACK = SlackDestination(type="slack", webhook_env="SLACK_OKR_WEBHOOK")
TEAMS = TeamsDestination(type="teams", webhook_env="TEAMS_OKR_WEBHOOK")


def test_each_destination_gets_one_message_of_its_kind(webhook_server, demo_data, block_kit, adaptive_card):
    environ = {"SLACK_OKR_WEBHOOK": webhook_server.slack_url(), "TEAMS_OKR_WEBHOOK": webhook_server.teams_url()}
    deliveries = post_digest([SLACK, TEAMS], demo_data, environ)
    assert [(delivery.destination, delivery.error) for delivery in deliveries] == [
        ("Slack ($SLACK_OKR_WEBHOOK)", None), ("Teams ($TEAMS_OKR_WEBHOOK)", None),
    ]
    slack, teams = webhook_server.received
    assert slack.path.startswith("/services/") and teams.path.startswith("/workflows/")
    view = build_view(demo_data)
    link = report_link(demo_data)
    assert slack.body == slack_message(view, link) and teams.body == teams_message(view, link)
    assert block_kit(slack.body) == [] and adaptive_card(teams.body) == []


def test_the_digest_carries_the_reports_signal(demo_data):
    """The demo's 1 Dec report: what the view says, the digest says."""
    view = build_view(demo_data)
    digest = build_digest(view, report_link(demo_data))
    assert digest.headline == view.headline and digest.headline.startswith("Acme Cloud OKRs, 1 Dec: ")
    assert digest.report_link == "https://okr.acme.example/reports/2026-Q4/2026-12-01.html"
    assert digest.banner is not None and "newsletters" in digest.banner  # the failed metric
    assert [line.title for line in digest.attention] == [item.title for item in demo_data.attention]
    owners = {item.title: item.owner for item in demo_data.attention}
    assert all(line.owner == owners[line.title] for line in digest.attention)
    assert {line.title for line in digest.status_changes} == {change.title for change in demo_data.changes.status_changes}
    kr_lines = [line for line in digest.attention if line.link and "#kr-" in line.link]
    assert kr_lines and all(line.link.startswith(f"{digest.report_link}#kr-") for line in kr_lines)


def test_first_report_has_no_banner_and_nothing_to_compare(first_report_data):
    digest = build_digest(build_view(first_report_data), report_link(first_report_data))
    assert digest.banner is None
    assert digest.changes_note == "First report: nothing to compare with yet."


def test_a_missing_variable_fails_its_destination_only(webhook_server, demo_data):
    deliveries = post_digest([SLACK, TEAMS], demo_data, {"TEAMS_OKR_WEBHOOK": webhook_server.teams_url()})
    assert [delivery.error for delivery in deliveries] == [
        "$SLACK_OKR_WEBHOOK is not set: export the webhook URL there (see the README: The digest in Slack or Teams)", None,
    ]
    assert str(deliveries[0]).startswith("Slack ($SLACK_OKR_WEBHOOK): $SLACK_OKR_WEBHOOK is not set")
    assert len(webhook_server.received) == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://hooks.slack.example/services/T/B/secretvalue1", "$SLACK_OKR_WEBHOOK holds an http:// URL: use the https:// URL Slack gave you"),
        ("ftp://hooks.slack.example/services/T/B/secretvalue1", "$SLACK_OKR_WEBHOOK does not hold a webhook URL (https://...)"),
        ("secretvalue1", "$SLACK_OKR_WEBHOOK does not hold a webhook URL (https://...)"),
    ],
)
def test_a_url_that_is_not_https_is_refused_without_quoting_it(demo_data, value, expected):
    [delivery] = post_digest([SLACK], demo_data, {"SLACK_OKR_WEBHOOK": value})
    assert delivery.error == expected and "secretvalue1" not in str(delivery)


def test_a_bug_in_one_destination_does_not_cost_the_others_their_digest(webhook_server, demo_data, monkeypatch, secret_free):
    def broken(view, link):
        raise RuntimeError(f"cannot build for {webhook_server.slack_url()}")

    monkeypatch.setitem(deliver_module._BUILDERS, "slack", broken)
    environ = {"SLACK_OKR_WEBHOOK": webhook_server.slack_url(), "TEAMS_OKR_WEBHOOK": webhook_server.teams_url()}
    slack, teams = post_digest([SLACK, TEAMS], demo_data, environ)
    assert slack.error == "RuntimeError: cannot build for [redacted]" and teams.delivered
    secret_free(str(slack))


def test_report_link_is_the_days_page_of_the_published_archive(demo_data):
    from dataclasses import replace

    assert report_link(demo_data) == f"https://okr.acme.example/reports/2026-Q4/{date(2026, 12, 1).isoformat()}.html"
    assert report_link(replace(demo_data, report_url=None)) is None
