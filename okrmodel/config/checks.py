"""The second pass over a config: references between entries, and what the schema alone cannot say."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from okrmodel.aggregation import Aggregation, AveragePer
from okrmodel.config.base import MetricNature, MetricSettings
from okrmodel.config.objectives import KeyResult
from okrmodel.config.wording import in_words, join_alternatives, kind_expected, user_location
from okrmodel.config_errors import ConfigProblem, did_you_mean
from okrmodel.periods import WindowKind, parse_period
from okrmodel.progress import Direction
from okrmodel.yaml_source import YamlDocument

if TYPE_CHECKING:
    from okrmodel.config.document import Config

__all__ = ["SMALLEST_SPAN", "cross_check", "problems_from_pydantic", "source_problem"]

SMALLEST_SPAN = 1e-9
"""The least distance from a KR's baseline to its target (other than none): a share of 0.1 % is 0.001."""


def source_problem(config: Config, metric: MetricSettings, where: tuple[str | int, ...]) -> ConfigProblem | None:
    """Whether ``metric`` (at ``where``) names a source of this config, of the type its kind needs."""
    source = config.sources.get(metric.source)
    if source is None:
        return ConfigProblem(where + ("source",), f"unknown source {metric.source!r}{did_you_mean(metric.source, config.sources)}")
    needed = type(config).kind_source_types.get(metric.kind)
    if needed is not None and source.type != needed:
        return ConfigProblem(where + ("kind",), f"kind {metric.kind!r} needs a source of type {needed}, not {source.type!r}")
    return None


def problems_from_pydantic(error: ValidationError, model: type[Config], data: Any, document: YamlDocument | None = None) -> list[ConfigProblem]:
    """pydantic's errors for ``data`` (what the file holds) in the product's words, each located
    in the file: one problem per place, however many members of a union pydantic tried there."""
    by_location: dict[tuple[str | int, ...], list[tuple[str, str | None]]] = {}
    for item in error.errors():
        location = user_location(_strip_union_tags(tuple(item["loc"]), model), data, item["type"])
        by_location.setdefault(location, []).append((_message(item, model), kind_expected(item)))
    problems = []
    for location, messages in by_location.items():
        # A union member that got past the value's kind (a mapping, say) says what is wrong inside
        # it; the other members' "must be text" at the place itself would only distract.
        if any(kind is not None for _, kind in messages) and any(other[: len(location)] == location and len(other) > len(location) for other in by_location):
            messages = [(message, kind) for message, kind in messages if kind is None]
        if messages:
            problems.append(ConfigProblem(location, join_alternatives(messages), document.line_of(location) if document is not None else None))
    return problems


def _message(item: dict[str, Any], model: type[Config]) -> str:
    if item["type"] == "union_tag_invalid":
        field = item["ctx"]["discriminator"].strip("'")
        allowed = model.source_types if field == "type" else model.metric_kinds
        tag = str(item["ctx"]["tag"])
        return f"unknown {field} {tag!r}{did_you_mean(tag, allowed)}; expected one of {', '.join(allowed)}"
    if item["type"] == "union_tag_not_found":
        return f"required key {item['ctx']['discriminator']} is missing"
    return in_words(item)


def _strip_union_tags(location: tuple[str | int, ...], model: type[Config]) -> tuple[str | int, ...]:
    # pydantic puts the discriminator value into the location of a tagged union
    # member (metrics.x.deals_created.sum, or deals_created.sum for one metric); users never wrote that level.
    tags = set(model.metric_kinds) | set(model.source_types)
    if len(location) > 2 and location[0] in ("metrics", "sources") and location[2] in tags:
        return location[:2] + location[3:]
    if location and location[0] in tags:
        return location[1:]
    return location


def cross_check(config: Config) -> list[ConfigProblem]:
    """Every problem between entries: references, ids, directions against metrics, periods."""
    problems: list[ConfigProblem] = []
    for name, metric in config.metrics.items():
        problem = source_problem(config, metric, ("metrics", name))
        if problem is not None:
            problems.append(problem)
    seen_objectives: dict[str, int] = {}
    seen_key_results: dict[str, tuple[int, int]] = {}
    for o_index, objective in enumerate(config.objectives):
        if objective.id in seen_objectives:
            problems.append(ConfigProblem(("objectives", o_index, "id"), f"duplicate objective id {objective.id!r} (also objectives[{seen_objectives[objective.id]}])"))
        seen_objectives.setdefault(objective.id, o_index)
        for k_index, key_result in enumerate(objective.key_results):
            where = ("objectives", o_index, "key_results", k_index)
            if key_result.id in seen_key_results:
                first = seen_key_results[key_result.id]
                problems.append(ConfigProblem(where + ("id",), f"duplicate key result id {key_result.id!r} (also objectives[{first[0]}].key_results[{first[1]}])"))
            seen_key_results.setdefault(key_result.id, (o_index, k_index))
            problems.extend(_check_key_result_semantics(config, key_result, where))
            if key_result.metric is None:
                if key_result.window is not None:
                    problems.append(ConfigProblem(where + ("window",), "window needs a metric; manual key results take their latest check-in"))
                continue
            metric = config.metrics.get(key_result.metric)
            if metric is None:
                problems.append(ConfigProblem(where + ("metric",), f"unknown metric {key_result.metric!r}{did_you_mean(key_result.metric, config.metrics)}"))
            elif key_result.window is WindowKind.LATEST and metric.nature is not MetricNature.SNAPSHOT:
                problems.append(ConfigProblem(where + ("window",), f"window 'latest' needs a snapshot metric; {key_result.metric!r} ({metric.kind}) adds up over time, use period, month or last_30_days"))
    problems.extend(_check_periods_and_alignment(config))
    problems.extend(_check_action_ids(config))
    if config.alerts is not None and config.email is None:
        problems.append(ConfigProblem(("alerts",), "alerts are sent with the SMTP settings of email:, which this file lacks; add email: (smtp_host, sender, recipients)"))
    if config.reminders is not None and config.email is None:
        problems.append(ConfigProblem(("reminders",), "reminders are sent with the SMTP settings of email:, which this file lacks; add email: (smtp_host, sender, recipients)"))
    if config.reminders is not None and not config.people:
        problems.append(ConfigProblem(("reminders",), "reminders go to the owners' addresses in people:, which this file lacks; add people: (each owner's name: their email address)"))
    return problems


def _check_action_ids(config: Config) -> list[ConfigProblem]:
    """Two actions with one id (given, or made from the objective and title) would share their status updates."""
    problems: list[ConfigProblem] = []
    seen: dict[str, tuple[int, int]] = {}
    for o_index, objective in enumerate(config.objectives):
        for a_index, action in enumerate(objective.actions):
            action_id = objective.action_id(a_index)
            where = ("objectives", o_index, "actions", a_index)
            if action_id in seen:
                first = seen[action_id]
                hint = "" if action.id is not None else "; give one of them an id"
                problems.append(ConfigProblem(
                    where + ("id",) if action.id is not None else where + ("title",),
                    f"duplicate action id {action_id!r} (also objectives[{first[0]}].actions[{first[1]}]){hint}",
                ))
            seen.setdefault(action_id, (o_index, a_index))
    return problems


def _check_key_result_semantics(config: Config, key_result: KeyResult, where: tuple[str | int, ...]) -> list[ConfigProblem]:
    """Direction, aggregation, dates and period of one KR, against each other and its metric."""
    problems: list[ConfigProblem] = []
    direction, target = key_result.direction, key_result.target
    span = abs(target - key_result.start_value) if target is not None else 0.0
    if 0 < span < SMALLEST_SPAN and key_result.effective_direction in (Direction.INCREASE, Direction.DECREASE):
        # Progress divides by the span: a target 1e-300 from its baseline makes any actual infinite progress.
        problems.append(ConfigProblem(where + ("target",), f"target {target:g} is only {span:g} from the baseline {key_result.start_value:g}; "
                                      "give both in the unit's real numbers (progress divides by the distance)"))
    if target is not None and direction is Direction.INCREASE and target < key_result.start_value:
        problems.append(ConfigProblem(where + ("direction",), f"direction increase needs a target above the baseline, got {key_result.start_value:g} -> {target:g}; use decrease"))
    if target is not None and direction is Direction.DECREASE and target > key_result.start_value:
        problems.append(ConfigProblem(where + ("direction",), f"direction decrease needs a target below the baseline, got {key_result.start_value:g} -> {target:g}; use increase"))
    metric = config.metrics.get(key_result.metric) if key_result.metric else None
    if key_result.metric is None:
        if key_result.aggregation is not None:
            problems.append(ConfigProblem(where + ("aggregation",), "aggregation needs a metric; manual key results take their latest check-in"))
    elif key_result.checkin_every is not None:
        problems.append(ConfigProblem(where + ("checkin_every",), "checkin_every is for key results without a metric; a metric's freshness is its freshness_days"))
    aggregation = config.aggregation(key_result)
    if key_result.average_per is not None and aggregation is not Aggregation.AVERAGE:
        problems.append(ConfigProblem(where + ("average_per",), "average_per needs aggregation: average"))
    if metric is not None and metric.nature is MetricNature.SNAPSHOT:
        if aggregation in (Aggregation.SUM, Aggregation.TOTAL):
            problems.append(ConfigProblem(where + ("aggregation",), f"a snapshot metric ({metric.kind}) does not add up over days; use latest or average"))
        if key_result.average_per is AveragePer.MONTH:
            problems.append(ConfigProblem(where + ("average_per",), f"a snapshot metric ({metric.kind}) has no per-month rate; use average_per: day"))
    elif metric is not None:
        problems.extend(_check_unique_count(metric, aggregation, key_result, where))
    if (
        metric is not None
        and metric.nature is MetricNature.FLOW
        and aggregation in (Aggregation.SUM, Aggregation.TOTAL)
        and config.window_kind(key_result) is WindowKind.PERIOD
        and key_result.target is not None
        and key_result.effective_direction in (Direction.DECREASE, Direction.STAY_ABOVE)
    ):
        # A period total starts at 0 and only grows: a decrease is "done" on day one and
        # a floor is broken until enough days add up. A cap (stay_below) on it is fine.
        problems.append(ConfigProblem(
            where + ("direction",),
            f"direction {key_result.effective_direction} on the period's {aggregation} of {key_result.metric!r}: a running total only grows: "
            "use window last_30_days/month, or aggregation latest/average",
        ))
    if key_result.window is WindowKind.LATEST and key_result.aggregation not in (None, Aggregation.LATEST):
        problems.append(ConfigProblem(where + ("window",), f"window 'latest' is one day; aggregation {key_result.aggregation} needs period, month or last_30_days"))
    period_labels = [period.label for period in config.periods]
    if key_result.period is not None and key_result.period not in period_labels:
        problems.append(ConfigProblem(where + ("period",), f"period {key_result.period} is not listed in the file's period ({config.period_label})"))
    elif key_result.period is None and len(period_labels) > 1:
        problems.append(ConfigProblem(where + ("period",), f"the file lists several periods ({config.period_label}); say which one this key result belongs to"))
    else:
        period = parse_period(config.key_result_period(key_result))
        for name in ("start", "due"):
            day = getattr(key_result, name)
            if day is not None and not period.contains(day):
                problems.append(ConfigProblem(where + (name,), f"{name} {day} is outside period {period.label} ({period.first_day} to {period.last_day})"))
        if key_result.start is not None and key_result.due is not None and key_result.start > key_result.due:
            problems.append(ConfigProblem(where + ("due",), f"due {key_result.due} is before start {key_result.start}"))
    return problems


def _check_unique_count(metric: MetricSettings, aggregation: Aggregation, key_result: KeyResult, where: tuple[str | int, ...]) -> list[ConfigProblem]:
    """A flow KR's aggregation against whether its measure adds up over days: a unique count's
    days are no parts of its window's figure, and only such a count has a window total."""
    if metric.adds_up_over_days:
        if aggregation is Aggregation.TOTAL:
            return [ConfigProblem(where + ("aggregation",), f"aggregation total is for unique counts (visitors, users); {metric.kind} adds up over days: use sum")]
        return []
    units = metric.unique_units or "unique counts"
    if aggregation is Aggregation.SUM:
        return [ConfigProblem(
            where + ("aggregation",),
            f"{units} are unique people: a sum of days counts each one again on every day they come back; "
            f"leave aggregation out to use the window's total, or use average for average daily {units}",
        )]
    if key_result.average_per is AveragePer.MONTH:
        return [ConfigProblem(
            where + ("average_per",),
            f"average_per month would be daily {units} times 30, not the {units} of a month; use window: month for the month's total, or average_per: day",
        )]
    return []


def _check_periods_and_alignment(config: Config) -> list[ConfigProblem]:
    """Thresholds, action periods and the parent links between objectives (no unknowns, no cycles)."""
    problems: list[ConfigProblem] = []
    if config.thresholds.at_risk > config.thresholds.on_track:
        problems.append(ConfigProblem(("thresholds", "at_risk"), f"at_risk ({config.thresholds.at_risk:g}) must not exceed on_track ({config.thresholds.on_track:g})"))
    period_labels = [period.label for period in config.periods]
    parents = {objective.id: objective.parent for objective in config.objectives}
    for o_index, objective in enumerate(config.objectives):
        for a_index, action in enumerate(objective.actions):
            if action.period is not None and action.period not in period_labels:
                problems.append(ConfigProblem(("objectives", o_index, "actions", a_index, "period"), f"period {action.period} is not listed in the file's period ({config.period_label})"))
        if objective.parent is None:
            continue
        location = ("objectives", o_index, "parent")
        if objective.parent not in parents:
            problems.append(ConfigProblem(location, f"unknown objective {objective.parent!r}{did_you_mean(objective.parent, parents)}"))
            continue
        seen = [objective.id]
        ancestor: str | None = objective.parent
        while ancestor is not None and ancestor in parents:
            if ancestor in seen:
                problems.append(ConfigProblem(location, f"parent links form a cycle: {' -> '.join(seen + [ancestor])}"))
                break
            seen.append(ancestor)
            ancestor = parents[ancestor]
    return problems
