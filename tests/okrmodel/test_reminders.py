"""Reminders as plain functions: when they are due, who gets what, escalation once per streak,
and the silence the report shows; on SQLite and PostgreSQL, every day passed in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from connectors import parse_config
from okrmodel.briefing import build_report_data
from okrmodel.briefing.silence import silences
from okrmodel.config import Config
from okrmodel.reminders import due_reminder_day, owner_agendas, plan_reminders
from okrmodel.reminders.plan import ReminderPlan
from okrmodel.storage import Store

BERLIN = ZoneInfo("Europe/Berlin")
MONDAYS = [date(2026, 11, 2) + timedelta(weeks=week) for week in range(5)]  # 2, 9, 16, 23, 30 Nov

CONFIG = """company: Acme
timezone: Europe/Berlin
period: 2026-Q4
email: {smtp_host: mail.acme.example, sender: okr@acme.example, recipients: [lead@acme.example]}
people:
  Maria: maria@acme.example
  Lee: lee@acme.example
  Sam: sam@acme.example
reminders: {weekday: monday, time: "09:00", escalate_after: 2}
console: {base_url: "https://okr.acme.example"}
objectives:
  - id: enablement
    title: Build a sales team that sells the new plan
    owner: Maria
    key_results:
      - {id: crm-training, title: Train 12 reps on the CRM, target: 12, owner: Lee, checkin_every: week}
      - {id: playbook, title: Publish 4 playbook chapters, target: 4, owner: Lee, checkin_every: two_weeks}
      - {id: nps, title: Raise partner NPS to 40, target: 40, owner: Sam, checkin_every: month}
    actions:
      - {title: Book the CRM trainer, owner: Lee, due: 2026-10-30}
      - {id: brief, title: Write the enablement brief, owner: Maria, due: 2026-10-30}
      - {title: Plan the spring kickoff, owner: Sam, due: 2026-12-15}
"""


def config() -> Config:
    return parse_config(CONFIG)


def send(store: Store, plan: ReminderPlan) -> None:
    """What the flow does once a message is handed to SMTP: record it."""
    for reminder in plan.reminders:
        store.record_reminder_delivery(reminder.owner, plan.day, "reminder", reminder.contents())
    for planned in plan.escalations:
        store.record_reminder_delivery(planned.owner, plan.day, "escalation", planned.escalation.contents(), objective=planned.escalation.objective_id)


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (datetime(2026, 11, 2, 8, 59), None),  # before the moment; last week's is more than a day old
        (datetime(2026, 11, 2, 9, 0), date(2026, 11, 2)),
        (datetime(2026, 11, 3, 3, 0), date(2026, 11, 2)),  # the nightly run after it catches up
        (datetime(2026, 11, 3, 8, 59), date(2026, 11, 2)),
        (datetime(2026, 11, 3, 9, 0), None),  # a day late: skipped, next week's lists what is still due
        (datetime(2026, 11, 6, 12, 0), None),
        (datetime(2026, 10, 27, 3, 0), date(2026, 10, 26)),  # the Monday after the clocks went back
    ],
)
def test_a_run_sends_the_reminders_whose_moment_came_less_than_a_day_ago(local, expected):
    settings = config().reminders
    assert due_reminder_day(settings, BERLIN, local.replace(tzinfo=BERLIN)) == expected
    assert due_reminder_day(settings, BERLIN, local.replace(tzinfo=BERLIN).astimezone(UTC)) == expected  # any zone of the same moment


def test_each_owner_gets_what_is_due_and_an_owner_with_nothing_due_gets_nothing(database_url):
    with Store(database_url) as store:
        store.add_checkin("nps", date(2026, 11, 1), 31, "Sam")
        store.add_checkin("playbook", date(2026, 10, 30), 1, "Lee")
        store.record_action_update("brief", "done", "Maria", at=datetime(2026, 10, 31, 9, tzinfo=UTC))
        plan = plan_reminders(config(), store, MONDAYS[0])
        # Sam's NPS was checked in a day ago (monthly) and his action is not due: nothing to send him.
        # Maria marked her overdue brief done in the console: the update wins over the file's status.
        [lee] = plan.reminders
        assert (lee.owner, lee.address, lee.already_sent) == ("Lee", "lee@acme.example", False)
        assert lee.contents() == {
            "checkins_due": ["crm-training"],  # the playbook's two weeks are not over
            "key_results": ["crm-training", "playbook"],
            "overdue_actions": ["enablement.book-the-crm-trainer"],
        }
        [crm, playbook] = lee.agenda.key_results
        assert (crm.checkin_url, crm.objective_title, playbook.checkin_due) == ("https://okr.acme.example/kr/crm-training", "Build a sales team that sells the new plan", False)
        [overdue] = lee.agenda.overdue_actions
        assert (overdue.action.title, overdue.days_overdue) == ("Book the CRM trainer", 3)
        assert plan.escalations == () and plan.unreachable == ()
        send(store, plan)
        assert plan_reminders(config(), store, MONDAYS[0]).reminders[0].already_sent
        # Ten days after its check-in the playbook (every two weeks) is not due; 17 days after, it is.
        assert plan_reminders(config(), store, MONDAYS[1]).reminders[0].contents()["checkins_due"] == ["crm-training"]
        assert plan_reminders(config(), store, MONDAYS[2]).reminders[0].contents()["checkins_due"] == ["crm-training", "playbook"]


def test_owner_agendas_list_every_owner_with_their_items_for_other_views(database_url):
    with Store(database_url) as store:
        data = build_report_data(config(), store, MONDAYS[0])
        agendas = owner_agendas(config(), data, store, MONDAYS[0])
        assert list(agendas) == ["Lee", "Sam", "Maria"]
        assert [item.status.id for item in agendas["Sam"].key_results] == ["nps"]
        assert [(item.action.id, item.overdue) for item in agendas["Sam"].actions] == [("enablement.plan-the-spring-kickoff", False)]
        assert [item.status.id for item in agendas["Sam"].checkins_due] == ["nps"]  # never checked in: due


def test_unanswered_reminders_escalate_once_per_streak_and_the_report_says_for_how_long(database_url):
    with Store(database_url) as store:
        store.add_checkin("nps", date(2026, 11, 1), 31, "Sam")
        store.add_checkin("playbook", date(2026, 11, 1), 1, "Lee")
        for monday in MONDAYS[:2]:  # two reminders asking for crm-training, unanswered
            plan = plan_reminders(config(), store, monday)
            assert plan.escalations == ()
            send(store, plan)
        assert {kr: s.missed for kr, s in silences(config(), store, MONDAYS[1]).items()} == {"crm-training": 1}

        third = plan_reminders(config(), store, MONDAYS[2])
        [planned] = third.escalations
        assert (planned.owner, planned.address, planned.already_sent) == ("Maria", "maria@acme.example", False)
        [told] = planned.escalation.key_results
        assert (told.key_result_id, told.owner, told.silence.missed, told.silence.weeks, told.silence.last_checkin) == ("crm-training", "Lee", 2, 2, None)
        send(store, third)
        assert plan_reminders(config(), store, MONDAYS[2]).escalations[0].already_sent  # a re-run of the day

        # The report shows the silence beside the KR, and the KR stays in it.
        data = build_report_data(config(), store, MONDAYS[2])
        assert data.silences["crm-training"].weeks == 2
        [item] = [item for item in data.attention if item.key_result_id == "crm-training"]
        assert item.reason == "check-in due: no check-in for 2 weeks, 2 reminders unanswered"

        fourth = plan_reminders(config(), store, MONDAYS[3])
        assert fourth.escalations == ()  # told once for this streak
        assert silences(config(), store, MONDAYS[3])["crm-training"].missed == 3
        send(store, fourth)

        # A check-in ends the streak: no silence, nothing due within its week.
        store.add_checkin("crm-training", date(2026, 11, 24), 5, "Lee")
        assert "crm-training" not in silences(config(), store, MONDAYS[4])
        # The playbook (every two weeks, last checked in on 1 Nov) was asked for on 16 and 23 Nov in vain.
        assert {kr: (s.missed, s.weeks) for kr, s in build_report_data(config(), store, MONDAYS[4]).silences.items()} == {"playbook": (2, 4)}
        assert "crm-training" not in plan_reminders(config(), store, MONDAYS[4]).reminders[0].contents()["checkins_due"]


def test_an_escalation_nobody_can_receive_is_named(database_url):
    text = CONFIG.replace("    owner: Maria\n", "", 1).replace("escalate_after: 2", "escalate_after: 1")
    cfg = parse_config(text)
    with Store(database_url) as store:
        store.add_checkin("nps", date(2026, 11, 1), 31, "Sam")
        send(store, plan_reminders(cfg, store, MONDAYS[0]))
        plan = plan_reminders(cfg, store, MONDAYS[1])
        [planned] = plan.escalations
        assert (planned.owner, planned.address) == (None, None)
        assert "objective enablement (no owner)" in plan.unreachable
