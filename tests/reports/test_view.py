"""The view model: what each section says, in what order, with units, for the demo's data."""

from __future__ import annotations

from dataclasses import replace

from okrmodel.briefing import ReportData
from okrmodel.progress import Status
from reports import build_view, render_text
from reports.formatting import format_delta, format_of, format_points, format_value
from reports.view import KeyResultView, ObjectivesSection, ReportView
from reports.view.key_results import BAR_PIXELS, progress_bar


def key_results(view: ReportView) -> dict[str, KeyResultView]:
    [objectives] = [section for section in view.sections if isinstance(section, ObjectivesSection)]
    return {kr.id: kr for objective in objectives.objectives for kr in objective.key_results}


def section(view: ReportView, kind: str):
    return next(section for section in view.sections if section.kind == kind)


def counts(data: ReportData) -> dict[Status, int]:
    found = {status: 0 for status in Status}
    for objective in data.status.objectives:
        for kr in objective.key_results:
            found[kr.status] += 1
    return found


def test_sections_come_exception_first(demo_data):
    view = build_view(demo_data)
    assert [section.kind for section in view.sections] == ["banner", "attention", "changes", "objectives", "owners", "health"]
    healthy = build_view(replace(demo_data, health=replace(demo_data.health, banner=None)))
    assert healthy.sections[0].kind == "attention"


def test_the_header_says_where_the_quarter_stands_and_counts_by_status(demo_data):
    view = build_view(demo_data)
    found = counts(demo_data)
    # 1 Dec is day 62 of Q4's 92.
    assert view.header.elapsed == "67% of the quarter elapsed"
    assert view.header.as_of == "As of 1 Dec 2026 (Europe/Berlin)"
    assert [badge.label for badge in view.header.counts][:3] == [f"{found[Status.OFF_TRACK]} off track", f"{found[Status.AT_RISK]} at risk", "1 stale"]
    assert view.headline == f"Acme Cloud OKRs, 1 Dec: {found[Status.OFF_TRACK]} off track, {found[Status.AT_RISK]} at risk, 1 stale"


def test_attention_follows_the_model_and_says_so_when_empty(demo_data):
    attention = section(build_view(demo_data), "attention")
    assert [item.title for item in attention.items] == [item.title for item in demo_data.attention]
    assert attention.items[1].link == "#kr-deals-created"
    calm = build_view(replace(demo_data, attention=[]))
    assert section(calm, "attention").items == ()
    assert section(calm, "attention").empty == "Nothing needs attention today"
    assert calm.preheader.startswith("Nothing needs attention today")
    assert "Nothing needs attention today." in render_text(replace(demo_data, attention=[]))


def test_changes_since_the_compared_report_or_a_first_report(demo_data, first_report_data):
    changes = section(build_view(demo_data), "changes")
    assert changes.heading == "Changes since 24 Nov 2026"
    newsletters = next(entry for entry in changes.status_changes if entry.title == "Send 12 email newsletters")
    assert newsletters.text == "On track \u2192 Stale"
    first = section(build_view(first_report_data), "changes")
    assert (first.heading, first.note, first.status_changes, first.movers) == ("Changes", "First report: nothing to compare with yet.", (), ())


def test_a_key_result_reads_with_units_pace_forecast_and_why(demo_data):
    krs = key_results(build_view(demo_data))
    pipeline = next(kr for objective in demo_data.status.objectives for kr in objective.key_results if kr.id == "pipeline-added")
    view = krs["pipeline-added"]
    assert view.headline == f"${pipeline.actual:,.0f} of ${pipeline.target:,.0f} ({pipeline.progress:.0%} of target)"
    figures = {figure.label: figure for figure in view.figures}
    assert figures["Forecast"].value == f"${pipeline.forecast:,.0f}" and figures["Forecast"].hint == "by 31 Dec"
    assert figures["Expected by now"].value == f"${pipeline.expected_value:,.0f}"
    assert view.reason.startswith("On pace: $1,922,000 of $2,500,000")
    assert view.trend.description.startswith("$1,922,000 of $2,500,000 by 1 Dec; pace $")


def test_flags_say_forecast_short_and_the_last_known_status_beside_stale(demo_data):
    krs = key_results(build_view(demo_data))
    assert (krs["inbound-mqls"].badge.label, [flag.label for flag in krs["inbound-mqls"].flags]) == ("On track", ["Forecast short"])
    newsletters = krs["newsletters"]
    assert (newsletters.badge.label, [flag.label for flag in newsletters.flags]) == ("Stale", ["Last known: On track"])
    assert [notice.tone for notice in newsletters.notices] == ["warning", "warning"]
    assert newsletters.notices[0].text.endswith(": HubSpot answered 502 Bad Gateway three times")


def test_manual_key_results_list_their_checkins(demo_data):
    training = key_results(build_view(demo_data))["crm-training"]
    assert training.trend is None and training.checkins == ("1 Nov: 0 people", "29 Nov: 2 people")
    assert training.freshness == "Check-in by lee@acme.example on 29 Nov 2026"
    assert "Note: Two of five trained; sessions booked for the rest" in [notice.text for notice in training.notices]


def test_by_owner_lists_each_persons_key_results_and_actions(demo_data):
    owners = {group.owner: group for group in section(build_view(demo_data), "owners").groups}
    assert list(owners) == ["lee@acme.example", "maria@acme.example", "sam@acme.example"]
    sam = owners["sam@acme.example"]
    assert [(item.category, item.title, item.badge.label) for item in sam.items][-2:] == [
        ("Action", "Clean CRM data", "Overdue"), ("Action", "Build a funnel dashboard", "Planned"),
    ]
    assert sam.summary.endswith("2 actions (1 overdue)")


def test_data_health_names_the_failing_metric_and_since_when(demo_data):
    health = section(build_view(demo_data), "health")
    [hubspot] = health.sources
    assert hubspot.badge.label == "Failing"
    [problem] = hubspot.problems
    assert (problem.metric, problem.message) == ("newsletters", "HubSpot answered 502 Bad Gateway three times")
    # Since the failed sync ran (the fixture's runs are stamped with the clock, not the as-of day).
    began = demo_data.health.sources[0].problems[0].since
    assert problem.since.startswith(f"failing since {began.day} {began:%b %Y}, {began:%H:%M} UTC")
    assert build_view(demo_data).footer.report_url == f"{demo_data.report_url}/{demo_data.status.as_of}.html", "the day's page, not the archive's root"


def test_a_bar_is_cells_adding_up_to_its_width_with_the_pace_as_a_cell():
    behind = progress_bar(0.4, 0.67, "bad", "40% of target, 67% expected by now")
    assert [cell.part for cell in behind.cells] == ["fill", "track", "pace", "track"]
    assert sum(cell.pixels for cell in behind.cells) == BAR_PIXELS
    ahead = progress_bar(1.3, 0.5, "good", "")
    assert [cell.part for cell in ahead.cells] == ["fill", "pace", "fill"]
    assert sum(cell.pixels for cell in ahead.cells) == BAR_PIXELS
    assert [cell.part for cell in progress_bar(None, None, "muted", "").cells] == ["track"]


def test_numbers_carry_their_units():
    assert format_of(17, 20, "MQLs") == "17 of 20 MQLs"
    assert format_of(1_200_000, 2_500_000, "$") == "$1,200,000 of $2,500,000"
    assert format_value(110, "deals") == "110 deals"
    assert format_delta(-45, "MQLs") == "\u221245 MQLs" and format_delta(45_000, "$") == "+$45,000" and format_delta(0, "deals") == "no change"
    assert format_points(0.123) == "+12 pts" and format_points(-0.03) == "\u22123 pts"


def test_progress_from_a_baseline_reads_as_the_way_travelled_not_a_share_of_the_target(demo_data):
    pool = next(kr for objective in demo_data.status.objectives for kr in objective.key_results if kr.id == "mql-pool")
    assert pool.baseline == 150
    view = key_results(build_view(demo_data))["mql-pool"]
    share = f"{pool.progress:.0%}"
    assert view.headline.endswith(f"({share} of the way from 150 MQLs)")
    assert {figure.label: figure.hint for figure in view.figures}["Actual"] == f"{share} of the way from 150 MQLs"
