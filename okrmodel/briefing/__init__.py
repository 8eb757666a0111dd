"""What a report says beyond each KR's numbers, built from stored data (no network):
what needs attention, whether the data can be trusted, what changed, each KR's trend."""

from __future__ import annotations

from datetime import date, timedelta

from okrmodel.briefing.attention import attention_items
from okrmodel.briefing.changes import compare_reports
from okrmodel.briefing.health import data_health
from okrmodel.briefing.model import (
    AttentionItem,
    AttentionKind,
    Changes,
    DataHealth,
    KeyResultChange,
    MetricProblem,
    ReportData,
    SourceHealth,
    Trend,
)
from okrmodel.briefing.silence import Silence, long_silences
from okrmodel.briefing.trends import key_result_trends
from okrmodel.config import Config
from okrmodel.evaluation import evaluate
from okrmodel.storage import Store

__all__ = [
    "AttentionItem",
    "AttentionKind",
    "Changes",
    "DataHealth",
    "KeyResultChange",
    "MetricProblem",
    "ReportData",
    "Silence",
    "SourceHealth",
    "Trend",
    "build_report_data",
]


def build_report_data(config: Config, store: Store, as_of: date, compare_to: date | None = None) -> ReportData:
    """The report as of ``as_of``, compared with the one as of ``compare_to`` (the previous
    report's day; None: nothing to compare with), recomputed from what is stored now."""
    status = evaluate(config, store, as_of)
    health = data_health(config, store, as_of)
    first_day = config.periods[0].first_day
    previous = evaluate(config, store, compare_to) if compare_to is not None and first_day <= compare_to < as_of else None
    week_before = as_of - timedelta(days=7)
    week_ago = evaluate(config, store, week_before) if week_before >= first_day else None
    silent = long_silences(config, store, as_of)
    return ReportData(
        status=status,
        attention=attention_items(status, health, silent),
        health=health,
        changes=compare_reports(status, previous, week_ago),
        trends=key_result_trends(config, store, status),
        report_url=config.report_url,
        silences=silent,
    )
