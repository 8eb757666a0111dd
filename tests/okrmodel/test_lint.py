"""okr lint against the method's own examples (../shared/OKR-METHOD.md) and its counting rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from connectors import parse_config
from okrmodel.lint import CHECKS, lint

# The steering repository's shared/ copy is the source of truth where it sits
# beside the checkout (as in CI); docs/ keeps a copy so a bare clone tests too.
REPOSITORY = Path(__file__).resolve().parents[2]
METHOD = next(path for path in (REPOSITORY.parent / "shared" / "OKR-METHOD.md", REPOSITORY / "docs" / "OKR-METHOD.md") if path.exists())

# Every example of the method, with the fields a team would plausibly write
# for it, and the checks the method's reasoning says must fire (none for good ones).
GOOD_OBJECTIVES = [
    "Build a new demand-generation channel",
    "Implement marketing-technology infrastructure",
    "Lead the marketing department through COVID",
    "Increase website traffic",
    "Improve funnel conversion rates",
    "Improve the sales pipeline",
]
BAD_OBJECTIVES = {
    "Generate 53 MQLs": {"objective-has-number"},  # too specific: that is a key result
    "Market research": {"objective-lacks-verb"},  # research? improve? increase? decrease?
}
GOOD_KEY_RESULTS = {
    "Get executive approval on 3 OKRs": "{target: 3, checkin_every: week}",
    "Effectively measure 5 lifecycle stages": "{target: 5, checkin_every: week}",
    "Send 3 email newsletters": "{target: 3, metric: newsletters}",
    "Train 5 team members to use the marketing CRM": "{target: 5, checkin_every: two_weeks}",
    "Increase MQLs attributed to inbound marketing from 20 to 30": "{baseline: 20, target: 30, metric: mqls}",
}
BAD_KEY_RESULTS = {
    "Increase brand awareness": ("{checkin_every: month}", {"key-result-no-number"}),
    "Boost SEO performance by 50%": ("{target: 50, unit: '%', checkin_every: month}", {"key-result-percentage", "key-result-no-baseline"}),
    "Engage with customers who became MQLs": ("{checkin_every: week}", {"key-result-activity"}),
    "Launch a new website": ("{direction: milestone, checkin_every: week}", {"key-result-activity"}),
    "Respond to 90% of prospect enquiries within one day": ("{target: 90, unit: '%', checkin_every: week}", {"key-result-percentage"}),
}
FILLER_KEY_RESULTS = ["Send 3 email newsletters", "Train 5 team members to use the marketing CRM", "Get executive approval on 3 OKRs"]


def config_text(objectives: list[tuple[str, list[tuple[str, str]]]], actions: str = "", period: str = "2026-Q4") -> str:
    """A file with the given objectives, each with (title, fields) key results, all owned; only
    the metrics some key result reads (an unused one is a finding of its own)."""
    metrics = {
        "mqls": "  mqls: {source: hubspot, kind: contacts_entered_stage, stage: marketingqualifiedlead}",
        "newsletters": "  newsletters: {source: hubspot, kind: marketing_emails_sent}",
    }
    used = [line for name, line in metrics.items() if any(f"metric: {name}" in fields for _, key_results in objectives for _, fields in key_results)]
    lines = ["company: Acme", f"period: {period}", "sources: {hubspot: {type: hubspot}}", *(["metrics:", *used] if used else []), "objectives:"]
    kr_number = 0
    for o_number, (title, key_results) in enumerate(objectives):
        lines += [f"  - id: o{o_number}", f"    title: {title!r}", "    owner: maria@acme.example", "    key_results:"]
        for kr_title, fields in key_results:
            kr_number += 1
            lines.append(f"      - {{id: kr{kr_number}, title: {kr_title!r}, {fields.strip('{}')}}}")
        if actions and o_number == 0:
            lines += ["    actions:", actions]
    return "\n".join(lines) + "\n"


def good_key_results(first: tuple[str, str] | None = None) -> list[tuple[str, str]]:
    filler = [(title, GOOD_KEY_RESULTS[title]) for title in FILLER_KEY_RESULTS]
    return ([first] + filler[:2]) if first else filler


def checks_for(text: str, location_prefix: tuple) -> set[str]:
    return {finding.check for finding in lint(parse_config(text)) if finding.location[: len(location_prefix)] == location_prefix}


def clean_objectives(count: int = 3) -> list[tuple[str, list[tuple[str, str]]]]:
    return [(GOOD_OBJECTIVES[n], good_key_results()) for n in range(count)]


@pytest.mark.parametrize("title", GOOD_OBJECTIVES)
def test_good_objectives_pass(title):
    text = config_text([(title, good_key_results())] + clean_objectives(2))
    assert lint(parse_config(text)) == []


@pytest.mark.parametrize(("title", "checks"), BAD_OBJECTIVES.items())
def test_bad_objectives_are_caught_for_the_methods_reason(title, checks):
    text = config_text([(title, good_key_results())] + clean_objectives(2))
    assert checks_for(text, ("objectives", 0, "title")) == checks


@pytest.mark.parametrize(("title", "fields"), GOOD_KEY_RESULTS.items())
def test_good_key_results_pass(title, fields):
    text = config_text([(GOOD_OBJECTIVES[0], good_key_results((title, fields)))] + clean_objectives(2))
    assert lint(parse_config(text)) == []


@pytest.mark.parametrize(("title", "case"), BAD_KEY_RESULTS.items())
def test_bad_key_results_are_caught_for_the_methods_reason(title, case):
    fields, checks = case
    text = config_text([(GOOD_OBJECTIVES[0], good_key_results((title, fields)))] + clean_objectives(2))
    assert checks_for(text, ("objectives", 0, "key_results", 0)) == checks


def test_every_example_of_the_method_is_covered_on_the_right_side():
    text = METHOD.read_text(encoding="utf-8")
    layers = " ".join(text[text.index("1. **Objectives**") : text.index("3. **Actions**")].split())
    stated: dict[str, set[str]] = {"Good": set(), "Bad": set()}
    for verdict, bullet in re.findall(r"- (Good|Bad): (.*?)(?= - |$)", layers):
        stated[verdict].update(re.findall(r'"([^"]+)"', bullet))
    assert stated["Good"] == set(GOOD_OBJECTIVES) | set(GOOD_KEY_RESULTS)
    assert stated["Bad"] == set(BAD_OBJECTIVES) | set(BAD_KEY_RESULTS)


@pytest.mark.parametrize(("count", "fires"), [(2, True), (3, False), (5, False), (6, True)])
def test_three_to_five_objectives_per_period(count, fires):
    objectives = [(GOOD_OBJECTIVES[n % len(GOOD_OBJECTIVES)], good_key_results()) for n in range(count)]
    findings = [f for f in lint(parse_config(config_text(objectives))) if f.check == "objectives-per-period"]
    assert bool(findings) is fires
    if fires:
        assert findings[0].message == f"2026-Q4 has {count} objectives; the method asks for 3 to 5"


@pytest.mark.parametrize(("count", "fires"), [(2, True), (3, False), (5, False), (6, True)])
def test_three_to_five_key_results_per_objective(count, fires):
    key_results = [(f"Send {n + 1} email newsletters", "{target: 3, metric: newsletters}") for n in range(count)]
    text = config_text([(GOOD_OBJECTIVES[0], key_results)] + clean_objectives(2))
    assert (checks_for(text, ("objectives", 0, "key_results")) == {"key-results-per-objective"}) is fires


def test_counts_are_per_period_and_objectives_persist_across_periods():
    text = config_text(clean_objectives(3), period="[2026-Q3, 2026-Q4]")
    text = re.sub(r"^(      - \{id: kr.*)\}$", r"\1, period: 2026-Q4}", text, flags=re.MULTILINE)  # every KR belongs to Q4
    findings = lint(parse_config(text))
    # Q3 has no KRs at all: no objective counts there, which the rule reports.
    assert [(f.check, f.message) for f in findings] == [("objectives-per-period", "2026-Q3 has 0 objectives; the method asks for 3 to 5")]


def test_missing_owner_measure_baseline_and_due_date():
    text = config_text(clean_objectives(3), actions="      - {title: Draft the OKR proposal}\n      - {title: Clean CRM data, due: 2026-11-01}")
    text = text.replace("    owner: maria@acme.example\n", "", 1)
    text = text.replace("{id: kr1, title: 'Send 3 email newsletters', target: 3, metric: newsletters}", "{id: kr1, title: 'Grow newsletter readers from 200 to 300', target: 300}")
    findings = {(f.check, f.location) for f in lint(parse_config(text))}
    assert findings == {
        ("key-result-no-owner", ("objectives", 0, "key_results", n, "owner")) for n in range(3)
    } | {
        ("key-result-unmeasured", ("objectives", 0, "key_results", 0)),
        ("key-result-no-baseline", ("objectives", 0, "key_results", 0, "baseline")),
        ("action-no-due", ("objectives", 0, "actions", 0, "due")),
    }


def test_a_title_that_disagrees_with_its_numbers():
    text = config_text([(GOOD_OBJECTIVES[0], good_key_results(("Grow the MQL pool from 150 to 250 contacts", "{baseline: 100, target: 250, metric: mqls}")))] + clean_objectives(2))
    [finding] = lint(parse_config(text))
    assert (finding.check, finding.message) == (
        "key-result-title-disagrees", "key result 'Grow the MQL pool from 150 to 250 contacts' says from 150 to 250, but baseline is 100 and target 250"
    )


def test_an_objective_and_a_key_result_sharing_an_id():
    text = config_text(clean_objectives(3)).replace("{id: kr4,", "{id: o0,")
    [finding] = lint(parse_config(text))
    assert (finding.check, finding.location) == ("duplicate-id", ("objectives", 1, "key_results", 0, "id"))


def test_findings_render_with_location_line_and_why():
    text = config_text([("Market research", good_key_results())] + clean_objectives(2))
    [finding] = lint(parse_config(text))
    assert finding.render("okrs.yaml", 9) == (
        "okrs.yaml: objectives[0].title (line 9): objective 'Market research' does not start with a verb of change "
        f"such as build, improve, increase, reduce or lead [objective-lacks-verb: {CHECKS['objective-lacks-verb'].why}]"
    )


def test_the_demo_follows_the_method():
    from datetime import date

    from flows.demo import render_demo_config

    assert lint(parse_config(render_demo_config(date(2026, 11, 27), "http://127.0.0.1:1"))) == []


@pytest.mark.parametrize(
    ("title", "fires"),
    [
        ("Generate 53 MQLs", True),
        ("Grow website traffic by 40%", True),
        ("Reach $2,000 of new revenue", True),
        ("Lead the marketing department through COVID-19", False),
        ("Improve the Q4 launch pipeline", False),
        ("Build a B2B demand generation channel", False),
    ],
)
def test_objective_numbers_are_quantities_not_digits_inside_names(title, fires):
    text = config_text([(title, good_key_results())] + clean_objectives(2))
    assert ("objective-has-number" in checks_for(text, ("objectives", 0, "title"))) is fires


def test_a_metric_no_key_result_reads_and_a_metric_with_a_caveat_are_findings():
    text = config_text([(GOOD_OBJECTIVES[0], good_key_results())] + clean_objectives(2))
    assert "metrics:\n" in text
    text = text.replace(
        "metrics:\n", "metrics:\n  spare: {source: hubspot, kind: contacts_created}\n  opens: {source: hubspot, kind: marketing_emails_sent, sum: open}\n", 1
    )
    findings = {(finding.check, finding.location) for finding in lint(parse_config(text))}
    assert ("metric-unused", ("metrics", "spare")) in findings
    assert ("metric-caveat", ("metrics", "opens")) in findings
    assert ("metric-caveat", ("metrics", "spare")) not in findings
