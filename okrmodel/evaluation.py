"""Turn a config and stored data into each KR's actual, progress, pace, status, forecast and score.

One pass per as-of day: pick the current period (``Config.current_period``),
measure each of its KRs (a metric aggregated over its window, a manual
check-in, or a check-in overriding the metric), then roll KRs up into
objectives and objectives into their parents. A closed period reports what
was frozen when it closed, never a recomputation over later revisions.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from okrmodel.aggregation import Aggregation, AveragePer, aggregate, missing_days
from okrmodel.config import Action, ActionStatus, Config, KeyResult, MetricNature, Objective
from okrmodel.forecast import project_level, project_total
from okrmodel.periods import Period, Window, WindowKind, window_for
from okrmodel.progress import Direction, Status, StatusThresholds, clamp_progress, progress, status_for, worst_status
from okrmodel.scoring import key_result_score, weighted_mean, weighted_mean_counting_missing
from okrmodel.staleness import is_stale
from okrmodel.status_rules import objective_status, status_reason
from okrmodel.storage.models import ActionUpdate, CheckIn, MetricFetch, PeriodScore, SyncRun
from okrmodel.storage.store import DailyValue
from okrmodel.storage.totals import WindowTotalValue
from okrmodel.window_totals import key_result_span, pick_window_total

__all__ = ["CheckinValue", "KeyResultStatus", "ObjectiveStatus", "ObservationReader", "StatusReport", "evaluate"]


class ObservationReader(Protocol):
    """What evaluation reads from storage (the Store implements it)."""

    def daily_values(self, metric: str, first_day: date, last_day: date) -> list[DailyValue]: ...

    def window_totals(self, metric: str, ending_from: date, ending_to: date) -> list[WindowTotalValue]: ...

    def latest_value(self, metric: str, on_or_before: date) -> DailyValue | None: ...

    def latest_checkin(self, key_result: str, on_or_before: date) -> CheckIn | None: ...

    def checkins(self, key_result: str, on_or_before: date | None = None) -> list[CheckIn]: ...

    def newest_observed_day(self, metric: str, on_or_before: date) -> date | None: ...

    def frozen_scores(self, period: str) -> list[PeriodScore]: ...

    def latest_fetch(self, metric: str, *, succeeded_only: bool = False, as_of: date | None = None) -> tuple[MetricFetch, SyncRun] | None: ...

    def action_statuses(self, until: datetime | None = None) -> dict[str, ActionUpdate]: ...


@dataclass(frozen=True)
class LastFetch:
    """How the newest sync of a KR's metric went: a failed one means the value shown is older
    than it looks; a warning means it read fine but is probably mapped wrong."""

    status: str
    at: datetime
    error: str | None = None
    warning: str | None = None

    @property
    def failed(self) -> bool:
        return self.status == "failed"

@dataclass(frozen=True)
class CheckinValue:
    """The newest check-in of a KR, shown beside the synced value it may override."""

    value: float
    day: date
    author: str
    note: str | None
    pinned: bool
    created_at: datetime
    wins: bool
    """True when this value, not the synced one, is the KR's actual."""

@dataclass(frozen=True)
class KeyResultStatus:
    id: str
    title: str
    owner: str | None
    metric: str | None
    window: WindowKind | None
    window_first_day: date | None
    window_last_day: date | None
    actual: float | None
    baseline: float
    target: float | None
    unit: str | None
    progress: float | None
    """Unclamped: above 1 when the target is exceeded, below 0 when moving backwards."""
    expected: float
    status: Status
    source: str | None
    """Where the actual came from: ``<source>:<metric>`` or ``checkin:<author>``."""
    updated_at: datetime | None
    note: str | None = None
    direction: Direction = Direction.INCREASE
    aggregation: Aggregation | None = None
    weight: float = 1.0
    automated_actual: float | None = None
    """The synced value, kept visible when a check-in overrides it."""
    checkin: CheckinValue | None = None
    newest_data_day: date | None = None
    stale: bool = False
    forecast: float | None = None
    """Linear projection of the value at the end of the KR's period (None when unknowable)."""
    forecast_progress: float | None = None
    score: float | None = None
    """Clamped progress at period end (0.0-1.0); None while the period runs."""
    frozen: bool = False
    last_fetch: LastFetch | None = None
    caveats: tuple[str, ...] = ()
    """What a reader of the metric's numbers must know (opens inflated by Apple Mail, ...)."""
    status_reason: str | None = None
    """Why this status, in words with units: ``52 of 110 deals, 67 expected by now``."""
    forecast_short: bool = False
    """On pace now, but the forecast misses the target: the status stays the pace's, flagged."""
    last_known_status: Status | None = None
    """For a stale KR, the status its last known value had (``stale`` says it may have moved)."""
    expected_value: float | None = None
    """Where the pace line stands today: baseline + expected x (target - baseline)."""
    unique_units: str | None = None
    """Set when the metric is a unique count ("visitors"): the actual is then the source's total
    over the window (``aggregation`` total) or an average of daily counts, never a sum of days."""

    @property
    def clamped_progress(self) -> float | None:
        return clamp_progress(self.progress) if self.progress is not None else None

@dataclass(frozen=True)
class ObjectiveStatus:
    id: str
    title: str
    owner: str | None
    progress: float | None
    """Weighted mean of the KRs' progress, each clamped to 0..1; None when no KR has data."""
    status: Status
    key_results: list[KeyResultStatus]
    actions: list[Action] = field(default_factory=list)
    """The period's actions, each with its ``id`` (``Objective.action_id``) and its newest update's status."""
    parent: str | None = None
    weight: float = 1.0
    computed_status: Status = Status.NO_DATA
    """The weakest KR's status; ``status`` differs only when the config overrides it."""
    score: float | None = None
    children: list[str] = field(default_factory=list)
    rollup_progress: float | None = None
    """With aligned children: weighted mean (objective weights) of this objective and its children's roll-ups."""
    rollup_status: Status | None = None
    frozen: bool = False
    status_basis: str | None = None
    """How ``status`` was derived: ``weakest key result: ...``, ``weighted progress ...``, ``set by hand``."""

@dataclass(frozen=True)
class StatusReport:
    company: str
    period: str
    period_first_day: date
    period_last_day: date
    as_of: date
    timezone: str
    expected: float
    generated_at: datetime
    objectives: list[ObjectiveStatus]
    score: float | None = None
    """Weighted mean of the top-level objectives' scores, at period end."""
    closed: bool = False
    """True when the period's values were frozen (``okr close``)."""

    def status_counts(self) -> dict[Status, int]:
        counts = {status: 0 for status in Status}
        for objective in self.objectives:
            for key_result in objective.key_results:
                counts[key_result.status] += 1
        return counts


@dataclass(frozen=True)
class _Context:
    config: Config
    reader: ObservationReader
    as_of: date
    period: Period
    thresholds: StatusThresholds
    action_updates: dict[str, ActionUpdate] = field(default_factory=dict)
    """The newest update of each action made by the end of the as-of day."""


def evaluate(config: Config, reader: ObservationReader, as_of: date, thresholds: StatusThresholds | None = None) -> StatusReport:
    """Compute every objective's and KR's status as of the end of ``as_of``.

    ``thresholds`` default to the config's (``thresholds:``), else 0.9 / 0.7.
    """
    period = config.current_period(as_of)
    end_of_day = datetime.combine(as_of + timedelta(days=1), datetime.min.time(), tzinfo=config.zone)
    context = _Context(
        config, reader, as_of, period, thresholds or config.thresholds.as_status_thresholds(), reader.action_statuses(until=end_of_day),
    )
    objectives = [_evaluate_objective(context, objective) for objective in config.objectives]
    frozen = {(row.item_kind, row.item_id): row for row in reader.frozen_scores(period.label)}
    if frozen:
        objectives = [_apply_frozen(objective, frozen) for objective in objectives]
    objectives = _roll_up(objectives)
    period_over = as_of >= period.last_day or bool(frozen)
    top_level = [objective for objective in objectives if objective.parent is None]
    return StatusReport(
        company=config.company,
        period=period.label,
        period_first_day=period.first_day,
        period_last_day=period.last_day,
        as_of=as_of,
        timezone=config.timezone,
        expected=period.elapsed_share(as_of),
        generated_at=datetime.now(UTC),
        objectives=objectives,
        # An objective whose KRs never got data scores 0, not "missing"; one without KRs this period is left out.
        score=weighted_mean_counting_missing((objective.score, objective.weight) for objective in top_level if objective.key_results) if period_over else None,
        closed=bool(frozen),
    )


def _evaluate_objective(context: _Context, objective: Objective) -> ObjectiveStatus:
    key_results = [_evaluate_key_result(context, objective, kr) for kr in context.config.key_results_in(objective, context.period)]
    # A KR without data counts as 0, so silence pulls the objective down; None only when no KR has data.
    objective_progress = weighted_mean_counting_missing((kr.clamped_progress, kr.weight) for kr in key_results)
    computed, basis = objective_status(context.config.objective_status, key_results, objective_progress, context.thresholds)
    period_over = context.as_of >= context.period.last_day
    return ObjectiveStatus(
        id=objective.id,
        title=objective.title,
        owner=objective.owner,
        progress=objective_progress,
        status=objective.status or computed,
        status_basis="set by hand in okrs.yaml" if objective.status else basis,
        key_results=key_results,
        actions=_actions(context, objective),
        parent=objective.parent,
        weight=objective.weight,
        computed_status=computed,
        score=weighted_mean_counting_missing((kr.score, kr.weight) for kr in key_results) if period_over else None,
    )


def _actions(context: _Context, objective: Objective) -> list[Action]:
    """The objective's actions of the period, each with its id filled in (``Objective.action_id``)
    and the status of its newest update, which wins over the file's ``status:``."""
    actions = []
    for index, action in enumerate(objective.actions):
        if context.config.action_period(action) != context.period.label:
            continue
        action_id = objective.action_id(index)
        update = context.action_updates.get(action_id)
        status = ActionStatus(update.status) if update is not None else action.status
        actions.append(action.model_copy(update={"id": action_id, "status": status}))
    return actions


def _roll_up(objectives: list[ObjectiveStatus]) -> list[ObjectiveStatus]:
    """Fill each parent's children, roll-up progress and roll-up status (company <- team)."""
    by_id = {objective.id: objective for objective in objectives}
    children: dict[str, list[str]] = {objective.id: [] for objective in objectives}
    for objective in objectives:
        if objective.parent in children:
            children[objective.parent].append(objective.id)

    def rollup(objective_id: str) -> tuple[float | None, Status | None]:
        # Config validation rejects cycles, so this recursion ends. An
        # objective without KRs this period (and no status set by hand) has
        # nothing to report, so its own no_data does not mask its children's.
        objective = by_id[objective_id]
        parts = [(objective.progress, objective.weight)]
        measured = bool(objective.key_results) or objective.status is not objective.computed_status
        statuses = [objective.status] if measured else []
        for child_id in children[objective_id]:
            child_progress, child_status = rollup(child_id)
            parts.append((child_progress, by_id[child_id].weight))
            if child_status is not None:
                statuses.append(child_status)
        return weighted_mean(parts), worst_status(statuses) if statuses else None

    rolled = []
    for objective in objectives:
        if children[objective.id]:
            rollup_progress, rollup_status = rollup(objective.id)
            objective = replace(objective, children=children[objective.id], rollup_progress=rollup_progress, rollup_status=rollup_status or Status.NO_DATA)
        rolled.append(objective)
    return rolled


def _apply_frozen(objective: ObjectiveStatus, frozen: dict[tuple[str, str], PeriodScore]) -> ObjectiveStatus:
    """Replace computed results by the values frozen when the period closed."""
    key_results = []
    for key_result in objective.key_results:
        row = frozen.get(("key_result", key_result.id))
        if row is not None:
            key_result = replace(
                key_result, actual=row.actual, progress=row.progress, score=row.score, status=Status(row.status),
                forecast=None, forecast_progress=None, stale=False, frozen=True,
            )
        key_results.append(key_result)
    row = frozen.get(("objective", objective.id))
    if row is None:
        return replace(objective, key_results=key_results)
    return replace(objective, key_results=key_results, progress=row.progress, score=row.score, status=Status(row.status), frozen=True)


@dataclass(frozen=True)
class _Measurement:
    """A metric's actual over a KR's window, and how current it is."""

    actual: float | None
    updated_at: datetime | None
    newest_day: date | None
    stale: bool
    series: list[DailyValue]
    last_day: date
    first_day: date
    """The window as measured: a rolling window the data no longer reaches ends at its newest day."""
    course: tuple[tuple[date, float], ...] = ()
    """For a window total: ``(last day, total)`` of the comparable windows read so far (its forecast's points)."""


def _month_of(window: Window, own_period: Period) -> Period:
    """The calendar month of a month window's last day, bounded by the KR's own span."""
    month_first = window.last_day.replace(day=1)
    next_month_first = (month_first + timedelta(days=32)).replace(day=1)
    return Period(
        label=own_period.label,
        first_day=max(month_first, own_period.first_day),
        last_day=min(next_month_first - timedelta(days=1), own_period.last_day),
    )


def _evaluate_key_result(context: _Context, objective: Objective, key_result: KeyResult) -> KeyResultStatus:
    config, as_of = context.config, context.as_of
    own_period = key_result_span(context.period, key_result)
    direction = key_result.effective_direction
    target = key_result.target_value
    started = as_of >= own_period.first_day
    window_kind = config.window_kind(key_result) if key_result.metric and started else None
    window = window_for(window_kind, own_period, as_of, config.zone) if window_kind else None
    aggregation = config.aggregation(key_result) if key_result.metric else None
    # The pace a KR is held to: a month window's total restarts every month, so
    # it is compared with the elapsed share of that month (within the KR's own
    # span); every other window with the elapsed share of the KR's period.
    pace_period = _month_of(window, own_period) if window is not None and window_kind is WindowKind.MONTH else own_period
    expected = pace_period.elapsed_share(as_of)

    measurement: _Measurement | None = None
    source: str | None = None
    if key_result.metric is not None and window is not None and aggregation is not None:
        measurement = _measure(context, key_result, aggregation, window_kind, window.first_day, window.last_day)
        if measurement.actual is not None:
            source = f"{config.metrics[key_result.metric].source}:{key_result.metric}"
    actual = measurement.actual if measurement else None
    updated_at = measurement.updated_at if measurement else None
    last_fetch = _last_fetch(context, key_result.metric) if key_result.metric else None
    # A failed fetch leaves the earlier values in place: they are no fresh number.
    stale = (measurement.stale if measurement else False) or bool(actual is not None and last_fetch and last_fetch.failed)
    note: str | None = None

    latest = context.reader.latest_checkin(key_result.id, as_of)
    checkin: CheckinValue | None = None
    if latest is not None:
        # A check-in newer than the synced value overrides it until the next
        # synced value arrives; a pinned one keeps winning until a newer check-in.
        wins = key_result.metric is None or latest.pinned or updated_at is None or latest.created_at > updated_at
        checkin = CheckinValue(latest.value, latest.day, latest.author, latest.note, latest.pinned, latest.created_at, wins)
        if wins:
            actual, updated_at, note, source = latest.value, latest.created_at, latest.note, f"checkin:{latest.author}"
            if key_result.metric is None:
                stale = key_result.checkin_every is not None and is_stale(latest.day, as_of, key_result.checkin_every.days)
            else:
                # An override ages like the metric it replaces; a pinned one is vouched for until replaced.
                stale = not latest.pinned and is_stale(latest.day, as_of, config.metrics[key_result.metric].freshness_days)

    if measurement is not None and measurement.actual is not None and not (checkin and checkin.wins):
        # Data through yesterday is compared with yesterday's pace, not today's.
        expected = pace_period.elapsed_share(measurement.last_day)
    key_result_progress = progress(actual, key_result.start_value, target, direction) if actual is not None and target is not None else None
    paced_status = status_for(key_result_progress, expected, context.thresholds, direction) if target is not None else Status.NO_DATA
    # A zero its unfiltered query contradicts is probably a mapping that matches nothing: no number to judge by.
    doubtful = bool(last_fetch and last_fetch.warning and not (checkin and checkin.wins))
    status = Status.NO_DATA if doubtful else Status.STALE if stale and target is not None else paced_status
    period_over = as_of >= context.period.last_day
    forecast = None if period_over or target is None else _forecast(key_result, aggregation, window_kind, measurement, own_period, as_of, context)
    forecast_progress = progress(forecast, key_result.start_value, target, direction) if forecast is not None and target is not None else None
    # Pace and forecast can disagree near the on-track threshold (at 95% of pace the straight
    # line ends at 95% of the target): the status stays the pace's and says the forecast is short.
    forecast_short = (
        status is Status.ON_TRACK and direction in (Direction.INCREASE, Direction.DECREASE) and forecast_progress is not None and forecast_progress < 1
    )
    expected_value = key_result.start_value + expected * (target - key_result.start_value) if target is not None and not direction.is_threshold else None
    metric = config.metrics[key_result.metric] if key_result.metric else None
    unique_units = metric.unique_units if metric is not None and not metric.adds_up_over_days else None
    reason = status_reason(
        status, paced_status, key_result, actual, target, expected_value, forecast, forecast_short,
        newest_day=measurement.newest_day if measurement else (latest.day if latest else None), last_fetch=last_fetch, due=own_period.last_day,
        window_total_of=unique_units if aggregation is Aggregation.TOTAL else None,
    )
    return KeyResultStatus(
        id=key_result.id,
        title=key_result.title,
        owner=key_result.owner or objective.owner,
        metric=key_result.metric,
        window=window_kind,
        window_first_day=measurement.first_day if measurement else window.first_day if window else None,
        window_last_day=measurement.last_day if measurement else None,
        actual=actual,
        baseline=key_result.start_value,
        target=target,
        unit=key_result.unit,
        progress=key_result_progress,
        expected=expected,
        status=status,
        source=source,
        updated_at=updated_at,
        note=note,
        direction=direction,
        aggregation=aggregation,
        weight=key_result.weight,
        automated_actual=measurement.actual if measurement else None,
        checkin=checkin,
        newest_data_day=measurement.newest_day if measurement else (latest.day if latest else None),
        stale=stale,
        forecast=forecast,
        forecast_progress=forecast_progress,
        score=key_result_score(key_result_progress) if period_over and target is not None else None,
        last_fetch=last_fetch,
        caveats=tuple(config.metrics[key_result.metric].caveats) if key_result.metric else (),
        status_reason=reason,
        forecast_short=forecast_short,
        last_known_status=paced_status if status is not paced_status and actual is not None else None,
        expected_value=expected_value,
        unique_units=unique_units,
    )


def _last_fetch(context: _Context, metric: str) -> LastFetch | None:
    latest = context.reader.latest_fetch(metric, as_of=context.as_of)
    if latest is None:
        return None
    fetch, run = latest
    return LastFetch(fetch.status, run.started_at, fetch.error, fetch.warning)


def _measure(
    context: _Context, key_result: KeyResult, aggregation: Aggregation, window_kind: WindowKind, first_day: date, last_day: date
) -> _Measurement:
    """The KR's metric over ``first_day..last_day``, cut at the newest observed day.

    Stale when that day is too old for the metric's freshness, or when days
    inside the window are missing (a gap is silence too); a stale sum is
    None rather than a partial, too-low total. A rolling window (the last
    30 days) that the data no longer reaches ends at the newest observed day
    instead: the days after it are unknown, not zero. A ``total`` is the
    source's figure over the window (``_measure_total``).
    """
    assert key_result.metric is not None
    if aggregation is Aggregation.TOTAL:
        return _measure_total(context, key_result.metric, window_kind, first_day, last_day)
    rolling = window_kind is WindowKind.LAST_30_DAYS
    metric = context.config.metrics[key_result.metric]
    reader = context.reader
    newest_day = reader.newest_observed_day(key_result.metric, last_day)
    stale = is_stale(newest_day, min(context.as_of, last_day), metric.freshness_days)
    observed_last_day = min(last_day, newest_day) if newest_day else last_day
    if rolling and observed_last_day < last_day:
        first_day -= last_day - observed_last_day
    if aggregation is Aggregation.LATEST:
        latest = reader.latest_value(key_result.metric, observed_last_day)
        series = [latest] if latest else []
        actual = latest.value if latest else None
    else:
        series = reader.daily_values(key_result.metric, first_day, observed_last_day) if observed_last_day >= first_day else []
        every_day_required = metric.nature is MetricNature.FLOW
        if every_day_required and series and missing_days(series, first_day, observed_last_day):
            stale = True
        actual = aggregate(
            series, aggregation, first_day, observed_last_day,
            every_day_required=every_day_required, per=key_result.average_per or AveragePer.DAY,
        )
    updated_at = max((value.fetched_at for value in series), default=None) if actual is not None else None
    return _Measurement(actual, updated_at, newest_day, stale, series, observed_last_day, first_day)


def _measure_total(context: _Context, metric_name: str, window_kind: WindowKind, first_day: date, last_day: date) -> _Measurement:
    """A unique count over ``first_day..last_day``: the window's stored total, never a sum of its days.

    Without the window's own total, the newest one of the same shape that ends earlier stands
    in, as data through that day (stale once older than the metric's freshness); without any,
    there is no actual. Its daily values play no part (the trend draws them, as daily counts).
    """
    metric = context.config.metrics[metric_name]
    picked = pick_window_total(window_kind, first_day, last_day, context.reader.window_totals(metric_name, first_day, last_day))
    total = picked.total
    if total is None:
        return _Measurement(None, None, None, False, [], last_day, first_day)
    stale = is_stale(total.last_day, min(context.as_of, last_day), metric.freshness_days)
    return _Measurement(total.value, total.fetched_at, total.last_day, stale, [], total.last_day, total.first_day, picked.course)


def _forecast(
    key_result: KeyResult,
    aggregation: Aggregation | None,
    window_kind: WindowKind | None,
    measurement: _Measurement | None,
    own_period: Period,
    as_of: date,
    context: _Context,
) -> float | None:
    """The projected value at the end of the KR's period; None for milestones or too little data."""
    if key_result.effective_direction is Direction.MILESTONE:
        return None
    baseline_point = [(own_period.first_day, key_result.start_value)]
    if measurement is None:
        checkins = context.reader.checkins(key_result.id, as_of)
        # One report is no trend; the baseline anchor alone would turn it into one.
        if len({checkin.day for checkin in checkins}) < 2:
            return None
        points = [(checkin.day, checkin.value) for checkin in checkins]
        # Manual KRs start at their baseline on day one, which anchors the trend.
        if all(day != own_period.first_day for day, _ in points):
            points = baseline_point + points
        return project_level(points, own_period.last_day)
    if measurement.actual is None or aggregation is None:
        return None
    if aggregation is Aggregation.AVERAGE:
        return measurement.actual
    if aggregation is Aggregation.TOTAL:
        # A unique count grows slower than its days' sum: follow its own course, night by night.
        # A month's count restarts: project it to the length of the span's last month.
        month_length = own_period.last_day.day
        to_day = measurement.first_day + timedelta(days=month_length - 1) if window_kind is WindowKind.MONTH else own_period.last_day
        return project_level(measurement.course, to_day)
    if aggregation is Aggregation.LATEST:
        assert key_result.metric is not None
        history = context.reader.daily_values(key_result.metric, own_period.first_day, measurement.last_day)
        points = [(value.day, value.value) for value in history]
        if key_result.baseline is not None and all(day != own_period.first_day for day, _ in points):
            points = baseline_point + points
        return project_level(points, own_period.last_day)
    rolling_days = {WindowKind.LAST_30_DAYS: 30, WindowKind.MONTH: own_period.last_day.day}.get(window_kind) if window_kind else None
    return project_total([value.value for value in measurement.series], measurement.last_day, own_period.last_day, rolling_days)
