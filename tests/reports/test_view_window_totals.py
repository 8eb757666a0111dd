"""A KR on unique visitors as the report says it: the window's total is named as such, the daily
series as daily, and a daily average as average daily visitors; in the web, the email and the text."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from connectors import parse_config
from okrmodel.briefing import build_report_data
from okrmodel.storage import Store
from reports import build_view, render_report, render_text
from reports.view import ObjectivesSection

AS_OF = date(2026, 11, 15)
CONFIG = parse_config(
    """
company: Acme
timezone: UTC
period: 2026-Q4
sources: {plausible: {type: plausible, site_id: acme.example}}
metrics:
  visitors: {source: plausible, kind: plausible_metric, metric: visitors}
objectives:
  - id: traffic
    title: Increase website traffic
    key_results:
      - {id: unique-visitors, title: Grow unique visitors to 5000, metric: visitors, target: 5000, unit: visitors}
      - {id: daily-visitors, title: 100 visitors a day, metric: visitors, aggregation: average, target: 100, unit: visitors}
"""
)


@pytest.fixture
def data(tmp_path):
    with Store(f"sqlite:///{tmp_path / 'okr.db'}") as store:
        run = store.start_run(AS_OF)
        store.save_observations(run, "visitors", "plausible", {date(2026, 10, 1) + timedelta(days=n): 130 for n in range(46)})
        store.save_window_total(run, "visitors", "plausible", date(2026, 10, 1), AS_OF, 2300)
        yield build_report_data(CONFIG, store, AS_OF)


def test_the_window_total_and_the_daily_series_are_named_for_what_they_are(data):
    [objectives] = [section for section in build_view(data).sections if isinstance(section, ObjectivesSection)]
    total, average = objectives.objectives[0].key_results
    assert total.headline == "2,300 of 5,000 visitors (46% of target)"
    assert total.reading[0].label == "Window total"
    assert total.freshness.startswith("From plausible (visitors), one total of unique visitors over the quarter to date, 1 Oct to 15 Nov")
    assert any("counts once over the window" in notice.text for notice in total.notices)
    assert total.trend.caption == "Daily visitors, each day counted on its own"
    assert total.trend.legend == "Solid: each day's own count."
    assert total.trend.description == "130 visitors on 15 Nov, each day on its own"
    assert total.trend.target_y is None and total.trend.pace == ()
    assert average.reading[0].label == "Average daily visitors"
    assert average.trend.caption == "Average daily visitors since 1 Oct"


def test_every_rendering_says_it_and_never_shows_the_sum_of_days(data):
    html, text = render_report(data), render_text(data)
    assert "Window total" in html and "Daily visitors, each day counted on its own. Solid: each day's own count." in html
    assert "one total of unique visitors over the quarter to date" in text
    assert "5,980" not in html and "5,980" not in text  # 46 days of 130 visitors are not 5,980 people
