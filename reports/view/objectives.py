"""The objectives with their KRs and actions, and the same items regrouped by owner
(the accountability view)."""

from __future__ import annotations

from collections import Counter, defaultdict

from okrmodel.briefing.model import ReportData
from okrmodel.evaluation import ObjectiveStatus
from okrmodel.progress import Status
from reports.formatting import format_date, format_number, format_percent, format_status
from reports.view.badges import action_badge, status_badge
from reports.view.key_results import key_result_anchor, key_result_headline, key_result_view, progress_bar
from reports.view.sections import ActionView, ObjectivesSection, ObjectiveView, OwnerGroup, OwnerItem, OwnersSection

__all__ = ["NO_OWNER", "objective_anchor", "objectives_section", "owners_section"]

NO_OWNER = "No owner"
_PROBLEMS = (Status.OFF_TRACK, Status.AT_RISK, Status.STALE, Status.NO_DATA)


def objective_anchor(objective_id: str) -> str:
    return f"objective-{objective_id}"


def objectives_section(data: ReportData) -> ObjectivesSection:
    titles = {objective.id: objective.title for objective in data.status.objectives}
    return ObjectivesSection(tuple(_objective_view(objective, data, titles) for objective in data.status.objectives))


def _objective_view(objective: ObjectiveStatus, data: ReportData, titles: dict[str, str]) -> ObjectiveView:
    report = data.status
    badge = status_badge(objective.status)
    progress = f"{format_percent(objective.progress)} progress" if objective.progress is not None else "no progress measured yet"
    bar_label = f"{progress}, {format_percent(report.expected)} of the quarter elapsed"
    return ObjectiveView(
        id=objective.id,
        anchor=objective_anchor(objective.id),
        title=objective.title,
        owner=objective.owner,
        badge=badge,
        progress=progress,
        bar=progress_bar(objective.progress, report.expected, badge.tone, bar_label) if objective.key_results else None,
        basis=objective.status_basis,
        details=_details(objective, titles),
        key_results=tuple(key_result_view(kr, data.changes, data.trends.get(kr.id), report.period_last_day, data.silences.get(kr.id)) for kr in objective.key_results),
        actions=tuple(
            ActionView(action.title, action_badge(action, report.as_of), f"due {format_date(action.due)}" if action.due else None, action.owner)
            for action in objective.actions
        ),
    )


def _details(objective: ObjectiveStatus, titles: dict[str, str]) -> tuple[str, ...]:
    details = []
    if objective.parent:
        details.append(f"aligned under {titles.get(objective.parent, objective.parent)}")
    if objective.rollup_progress is not None and objective.rollup_status is not None:
        children = ", ".join(titles.get(child, child) for child in objective.children)
        details.append(f"Roll-up with {children}: {format_percent(objective.rollup_progress)}, {format_status(objective.rollup_status.value)}")
    if objective.status is not objective.computed_status:
        details.append(f"status set by hand (computed: {format_status(objective.computed_status.value)})")
    if objective.weight != 1:
        details.append(f"weight {format_number(objective.weight)}")
    if objective.score is not None:
        details.append(f"score {objective.score:.2f}")
    return tuple(details)


def owners_section(data: ReportData) -> OwnersSection:
    """Every KR and action under the person accountable for it: a KR's owner (its objective's
    when unset), an action's owner, else its objective's."""
    as_of = data.status.as_of
    items: dict[str, list[OwnerItem]] = defaultdict(list)
    statuses: dict[str, Counter[Status]] = defaultdict(Counter)
    overdue: Counter[str] = Counter()
    actions: Counter[str] = Counter()
    for objective in data.status.objectives:
        for kr in objective.key_results:
            owner = kr.owner or NO_OWNER
            items[owner].append(OwnerItem("Key result", kr.title, status_badge(kr.status), key_result_headline(kr), f"#{key_result_anchor(kr.id)}"))
            statuses[owner][kr.status] += 1
        for action in objective.actions:
            owner = action.owner or objective.owner or NO_OWNER
            detail = f"due {format_date(action.due)}" if action.due else "no due day"
            items[owner].append(OwnerItem("Action", action.title, action_badge(action, as_of), detail, f"#{objective_anchor(objective.id)}"))
            actions[owner] += 1
            overdue[owner] += action.is_overdue(as_of)
    owners = sorted(items, key=lambda owner: (owner == NO_OWNER, owner.lower()))
    return OwnersSection(tuple(OwnerGroup(owner, _owner_summary(statuses[owner], actions[owner], overdue[owner]), tuple(items[owner])) for owner in owners))


def _owner_summary(statuses: Counter[Status], actions: int, overdue: int) -> str:
    """``3 key results (1 off track, 1 stale); 2 actions (1 overdue)``."""
    parts = []
    key_results = sum(statuses.values())
    if key_results:
        problems = ", ".join(f"{statuses[status]} {format_status(status.value).lower()}" for status in _PROBLEMS if statuses[status])
        parts.append(_count(key_results, "key result") + (f" ({problems})" if problems else ", all on track"))
    if actions:
        parts.append(_count(actions, "action") + (f" ({overdue} overdue)" if overdue else ""))
    return "; ".join(parts)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"

