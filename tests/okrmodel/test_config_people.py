"""``people:``, ``reminders:`` and ``console:``: owners' addresses, when reminders go out, the console's
token and address; action ids; and the checks that say who nothing can reach."""

from __future__ import annotations

from datetime import time

import pytest
from pydantic import SecretStr

from connectors import parse_config
from okrmodel.config import ConfigError, SecretPlace, Weekday
from okrmodel.lint import lint

HEAD = "company: Acme\nperiod: 2026-Q4\n"
EMAIL = "email: {smtp_host: mail.acme.example, sender: okr@acme.example, recipients: [lead@acme.example]}\n"
PEOPLE = "people:\n  Maria Lopez: maria@acme.example\n  Lee: Lee Park <lee@acme.example>\n"


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(HEAD + text)
    return [problem.render("okrs.yaml") for problem in caught.value.problems]


def test_people_reminders_and_console_read_with_their_defaults():
    config = parse_config(HEAD + EMAIL + PEOPLE + "reminders: {}\nconsole: {base_url: 'https://okr.acme.example/'}\n")
    assert config.people == {"Maria Lopez": "maria@acme.example", "Lee": "Lee Park <lee@acme.example>"}
    assert config.address_of("Lee") == "Lee Park <lee@acme.example>" and config.address_of("Sam") is None and config.address_of(None) is None
    assert (config.reminders.weekday, config.reminders.time, config.reminders.escalate_after) == (Weekday.MONDAY, time(9, 0), 2)
    assert config.console.base_url == "https://okr.acme.example"
    assert config.console.key_result_url("crm-training") == "https://okr.acme.example/kr/crm-training"
    assert config.console.admin_token_place == SecretPlace("OKR_CONSOLE_TOKEN", None, "admin_token_block")
    assert config.console.admin_token({"OKR_CONSOLE_TOKEN": " s3cret\n"}) == SecretStr("s3cret")
    assert config.console.admin_token({}) is None


def test_reminders_take_a_weekday_a_quoted_time_and_a_bounded_escalation():
    config = parse_config(HEAD + EMAIL + PEOPLE + "reminders: {weekday: Thursday, time: '16:45', escalate_after: 3}\n")
    assert (config.reminders.weekday.number, config.reminders.time, config.reminders.escalate_after) == (3, time(16, 45), 3)
    assert problems(EMAIL + PEOPLE + "reminders: {weekday: mon}\n") == [
        "okrs.yaml: reminders.weekday: must be one of 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday' or 'sunday' (did you mean 'monday'?) (line 7)"
    ]
    # YAML 1.1 reads 9:00 unquoted as 540 (base 60): said so, not taken as 540 seconds.
    assert problems(EMAIL + PEOPLE + "reminders: {time: 9:00}\n") == [
        'okrs.yaml: reminders.time: must be a time such as "09:00" in quotes: unquoted, YAML reads 9:00 as a number (line 7)'
    ]
    assert problems(EMAIL + PEOPLE + "reminders: {time: '24:00'}\n") == [
        'okrs.yaml: reminders.time: must be a time of day such as "09:00" (HH:MM, 00:00 to 23:59) (line 7)'
    ]
    [bound] = problems(EMAIL + PEOPLE + "reminders: {escalate_after: 0}\n")
    assert bound.startswith("okrs.yaml: reminders.escalate_after: ") and "1" in bound
    [boolean] = problems(EMAIL + PEOPLE + "reminders: {escalate_after: true}\n")
    assert "not true or false" in boolean


def test_reminders_need_email_and_people():
    assert problems("reminders: {}\n") == [
        "okrs.yaml: reminders: reminders are sent with the SMTP settings of email:, which this file lacks; add email: (smtp_host, sender, recipients) (line 3)",
        "okrs.yaml: reminders: reminders go to the owners' addresses in people:, which this file lacks; add people: (each owner's name: their email address) (line 3)",
    ]


def test_an_address_in_people_must_be_one():
    assert problems("people:\n  Maria: maria.acme.example\n") == ["okrs.yaml: people.Maria: 'maria.acme.example' is not an email address (line 4)"]


def test_the_console_token_is_kept_in_one_place_and_its_block_is_read_by_the_wiring_layer():
    config = parse_config(HEAD + "console: {base_url: 'https://okr.acme.example', admin_token_block: acme-console}\n")
    assert config.console.admin_token_env is None
    assert config.console.admin_token({"OKR_CONSOLE_TOKEN": "ignored"}, {"acme-console": SecretStr("from the block")}) == SecretStr("from the block")
    assert config.secret_blocks() == {"acme-console": ("console", "admin_token_block")}
    [both] = problems("console: {base_url: 'https://okr.acme.example', admin_token_block: acme-console, admin_token_env: OKR_TOKEN}\n")
    assert "give admin_token_env (an environment variable) or admin_token_block (a Prefect Secret block), not both" in both
    [pasted] = problems("console: {base_url: 'https://okr.acme.example', admin_token_env: 'paste d-secret'}\n")
    assert pasted.startswith("okrs.yaml: console.admin_token_env: must name an environment variable") and "paste d-secret" not in pasted
    [url] = problems("console: {base_url: okr.acme.example}\n")
    assert url.startswith("okrs.yaml: console.base_url: base_url must start with http:// or https://")


OBJECTIVE = """objectives:
  - id: pipeline
    title: Grow the pipeline
    owner: Maria Lopez
    key_results:
      - {id: crm-training, title: Train 12 reps on the CRM, target: 12, owner: Lee, checkin_every: week}
      - {id: mqls, title: Generate 300 MQLs, target: 300, owner: Sam, checkin_every: week}
    actions:
      - {title: "Launch the webinar series!", owner: Lee, due: 2026-11-20}
      - {id: survey, title: Run the customer survey, owner: Maria Lopes, due: 2026-11-20}
      - {title: "????", owner: Maria Lopez, due: 2026-11-20}
"""


def test_actions_are_named_by_their_id_else_their_objective_and_title():
    config = parse_config(HEAD + OBJECTIVE)
    objective = config.objectives[0]
    assert [objective.action_id(index) for index in range(3)] == ["pipeline.launch-the-webinar-series", "survey", "pipeline.action-3"]
    assert config.action("survey")[1].title == "Run the customer survey"
    with pytest.raises(KeyError, match="no action 'pipeline.launch-the-webinar' \\(did you mean 'pipeline.launch-the-webinar-series'"):
        config.action("pipeline.launch-the-webinar")


def test_two_actions_with_one_id_are_refused():
    text = HEAD + OBJECTIVE + "      - {title: Launch the webinar series, owner: Lee}\n      - {id: survey, title: Other, owner: Lee}\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    assert [problem.render("okrs.yaml") for problem in caught.value.problems] == [
        "okrs.yaml: objectives[0].actions[3].title: duplicate action id 'pipeline.launch-the-webinar-series' (also objectives[0].actions[0]); give one of them an id (line 14)",
        "okrs.yaml: objectives[0].actions[4].id: duplicate action id 'survey' (also objectives[0].actions[1]) (line 15)",
    ]


def test_lint_names_each_owner_nothing_can_reach_once_the_file_reaches_owners():
    assert not [f for f in lint(parse_config(HEAD + OBJECTIVE)) if f.check == "owner-no-address"]  # no people:, no reminders
    config = parse_config(HEAD + EMAIL + PEOPLE + "reminders: {}\n" + OBJECTIVE)
    findings = [(f.location, f.message) for f in lint(config) if f.check == "owner-no-address"]
    assert findings == [
        (("objectives", 0, "key_results", 1, "owner"), "owner 'Sam' has no address in people:"),
        (("objectives", 0, "actions", 1, "owner"), "owner 'Maria Lopes' has no address in people: (did you mean 'Maria Lopez'?)"),
    ]
