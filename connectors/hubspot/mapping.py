"""Every value a metric maps, checked against the portal before anything is read.

A mapped value the portal does not know (a misspelt stage, pipeline, option,
campaign or email name) matches no record, so it would read as a confident 0.
Each check here raises ``MappingError`` located at the value under
``metrics.<name>`` (``("dealstage",)``, ``("where", "hs_analytics_source")``),
with the close matches and the valid values; a label written where HubSpot
wants an id is answered with the id. The lists come from ``portal`` (read once
per run), so checking every metric of a run costs a handful of calls.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial

from connectors.errors import MappingError
from connectors.hubspot import portal
from connectors.hubspot.client import HubSpotClient
from connectors.hubspot.config import (
    ContactsCreated,
    ContactsEnteredStage,
    ContactsInStage,
    DealsClosedWon,
    DealsCreated,
    MarketingEmailsSent,
    WebSessions,
)
from connectors.hubspot.properties import find_property
from connectors.hubspot.values import filter_value
from connectors.hubspot.web_analytics import TRAFFIC_SOURCES
from okrmodel.config import MetricSettings, PropertyCondition, ScalarValue, WhereFilters

__all__ = ["check_mapping"]

Field = tuple[str | int, ...]
_Check = tuple[Field, Callable[[], str | None]]
_LISTED = 25  # values a message lists before "... (N more)"
_CLOSE = 0.6  # difflib's similarity from which a value is suggested
_AS_CLOSE = 0.05  # how far behind the best suggestion another may be


def check_mapping(client: HubSpotClient, metric: str, spec: MetricSettings) -> None:
    """Raise ``MappingError`` for the first value of ``metric`` the portal does not know.

    Checks run in the order of the mapping and each reads only the lists it
    needs, so a metric whose first value is wrong costs no further call.
    """
    for field, check in _checks(client, spec):
        problem = check()
        if problem is not None:
            raise MappingError(client.source_name, metric, field, problem)


def _checks(client: HubSpotClient, spec: MetricSettings) -> list[_Check]:
    checks: list[_Check]
    match spec:
        case ContactsEnteredStage() | ContactsInStage():
            return [(("stage",), partial(_stage_problem, client, spec.stage)), *_where_checks(client, "contacts", spec.where)]
        case ContactsCreated():
            return _where_checks(client, "contacts", spec.where)
        case DealsCreated() | DealsClosedWon():
            checks = []
            if spec.pipeline:
                checks.append((("pipeline",), partial(_pipeline_problem, client, spec.pipeline)))
            if spec.dealstage:
                defaulted = "dealstage" not in spec.model_fields_set
                checks.append((("dealstage",), partial(_dealstage_problem, client, spec.pipeline, spec.dealstage, defaulted=defaulted)))
            checks.extend(_where_checks(client, "deals", spec.where))
            if spec.sum:
                checks.append((("sum",), partial(_sum_problem, client, spec.sum)))
            return checks
        case MarketingEmailsSent():
            checks = []
            if spec.campaign:
                checks.append((("campaign",), partial(_campaign_problem, client, spec.campaign)))
            if spec.name_contains:
                checks.append((("name_contains",), partial(_email_name_problem, client, spec.name_contains)))
            return checks
        case WebSessions():
            return [(("sources",), partial(_traffic_sources_problem, spec.sources))] if spec.sources else []
    return []


# --- the checks: each returns what is wrong, or None ---------------------------


def _stage_problem(client: HubSpotClient, stage: str) -> str | None:
    stages = portal.lifecycle_stages(client)
    if stage in stages:
        return None
    return _unknown_value(stage, stages, what="a lifecycle stage", noun="stage", plural="stages")


def _pipeline_problem(client: HubSpotClient, pipeline: str) -> str | None:
    pipelines = {item.id: item.label for item in portal.pipelines(client)}
    if pipeline in pipelines:
        return None
    return _unknown_value(pipeline, pipelines, what="a deal pipeline", noun="pipeline", plural="pipelines")


def _dealstage_problem(client: HubSpotClient, pipeline_id: str | None, dealstage: str, *, defaulted: bool) -> str | None:
    pipelines = portal.pipelines(client)
    if pipeline_id is None:
        if any(item.stage(dealstage) for item in pipelines):
            return None
        if defaulted:
            won = [f"{stage.id!r} (pipeline {item.id!r})" for item in pipelines for stage in item.stages if stage.outcome == "won"]
            return f"no pipeline has the stage {dealstage!r} (the default dealstage); set dealstage to a won stage: {', '.join(won) or 'none'}"
        every_stage = {stage.id: stage.label for item in pipelines for stage in item.stages}
        return _unknown_value(dealstage, every_stage, what="a deal stage of any pipeline", noun="stage", plural="stages")
    pipeline = next(item for item in pipelines if item.id == pipeline_id)  # the pipeline check ran first
    if pipeline.stage(dealstage):
        return None
    stages = {stage.id: stage.label for stage in pipeline.stages}
    if defaulted:
        won = [stage.id for stage in pipeline.stages if stage.outcome == "won"]
        advice = f"set dealstage to its won stage {' or '.join(map(repr, won))}" if won else "set dealstage to one of its stages"
        return f"pipeline {pipeline.id!r} has no stage {dealstage!r} (the default dealstage); {advice} (stages: {_listing(stages)})"
    owner = next((item for item in pipelines if item.stage(dealstage)), None)
    if owner is not None:
        return f"{dealstage!r} is a stage of pipeline {owner.id!r} ({owner.label}), not of {pipeline.id!r} (its stages: {_listing(stages)})"
    return _unknown_value(dealstage, stages, what=f"a stage of pipeline {pipeline.id!r}", noun="stage", plural="stages")


def _where_checks(client: HubSpotClient, object_type: str, where: WhereFilters) -> list[_Check]:
    return [(("where", name), partial(_where_problem, client, object_type, name, wanted)) for name, wanted in where.items()]


def _where_problem(client: HubSpotClient, object_type: str, name: str, wanted: ScalarValue | list[ScalarValue] | PropertyCondition) -> str | None:
    definition = find_property(client, object_type, name)
    if definition is None:
        return _unknown_property(client, object_type, name)
    if definition.type != "enumeration" or not definition.options:
        return None
    for value in _compared_values(wanted):
        if value not in definition.options:
            return _unknown_value(value, definition.options, what=f"an option of {name}", noun="option", of=f" of {name}", plural="options", write="value")
    return None


def _sum_problem(client: HubSpotClient, name: str) -> str | None:
    definition = find_property(client, "deals", name)
    if definition is None:
        return _unknown_property(client, "deals", name)
    if definition.type == "number":
        return None
    numbers = sorted(item.name for item in portal.properties(client, "deals").values() if item.type == "number")
    return f"{name!r} is a {definition.type} property of deals; sum needs a number property ({_listing(numbers)})"


def _campaign_problem(client: HubSpotClient, campaign: str) -> str | None:
    campaigns = portal.campaigns(client)
    wanted = campaign.casefold()
    if any(wanted in (item.id.casefold(), item.name.casefold()) for item in campaigns):
        return None
    names = [item.name for item in campaigns]
    if not names:
        return f"{campaign!r} is not a campaign of this portal (it has no campaigns)"
    return f"{campaign!r} is not a campaign of this portal ({_did_you_mean(_close_matches(campaign, names))}campaigns: {_listing(names)})"


def _email_name_problem(client: HubSpotClient, name_contains: str) -> str | None:
    names = [str(mail.get("name") or "") for mail in portal.marketing_emails(client)]
    needle = name_contains.casefold()
    if any(needle in name.casefold() for name in names):
        return None
    if not names:
        return f"no marketing email name contains {name_contains!r} (the portal has no marketing emails)"
    newest_first = names[::-1]  # HubSpot lists emails oldest first
    close = _close_matches(name_contains, _name_fragments(newest_first, len(name_contains.split()) or 1))
    if close:
        example = next(name for name in newest_first if close[0].casefold() in name.casefold())
        return f"no marketing email name contains {name_contains!r} ({_did_you_mean(close).rstrip()} as in {example!r})"
    return f"no marketing email name contains {name_contains!r} ({len(names)} emails, such as {', '.join(map(repr, newest_first[:3]))})"


def _traffic_sources_problem(sources: Sequence[str]) -> str | None:
    for source in sources:
        if source.casefold() not in TRAFFIC_SOURCES:
            return _unknown_value(source, TRAFFIC_SOURCES, what="a traffic source of HubSpot's analytics reports", noun="source", plural="sources")
    return None


# --- wording -------------------------------------------------------------------


def _unknown_value(value: str, known: Mapping[str, str], *, what: str, noun: str, plural: str, of: str = "", write: str = "id") -> str:
    """``'x' is not <what> (did you mean 'y'? <plural>: ...)``; a label given for an id
    (``known`` maps ids to labels) is answered with the id instead."""
    labelled = [key for key, label in known.items() if label.casefold() == value.casefold()]
    if labelled:
        return f"{value!r} is the label of {noun} {' or '.join(map(repr, labelled))}{of}; write the {write}"
    close = _close_matches(value, list(known)) or _ids_of_close_labels(value, known)
    return f"{value!r} is not {what} ({_did_you_mean(close)}{plural}: {_listing(known)})"


def _unknown_property(client: HubSpotClient, object_type: str, name: str) -> str:
    listed = portal.properties(client, object_type)
    labelled = [item.name for item in listed.values() if item.label.casefold() == name.casefold()]
    if labelled:
        return f"{name!r} is the label of property {' or '.join(map(repr, labelled))}; write the name"
    close = _close_matches(name, list(listed))
    return f"{object_type} have no property {name!r}" + (f" (did you mean {', '.join(map(repr, close))}?)" if close else "")


def _compared_values(wanted: ScalarValue | list[ScalarValue] | PropertyCondition) -> list[str]:
    """The values a ``where`` entry compares a property with, as the search sends them (ranges aside)."""
    if isinstance(wanted, PropertyCondition):
        excluded = wanted.not_
        return [] if excluded is None else _compared_values(excluded)
    return [filter_value(value) for value in (wanted if isinstance(wanted, list) else [wanted])]


def _close_matches(value: str, candidates: Iterable[str]) -> list[str]:
    """The ``candidates`` closest to ``value`` (up to three as close as the best), ignoring case:
    a case slip is a typo too, and a runner-up far behind the best match only distracts."""
    by_folded: dict[str, str] = {}
    for candidate in candidates:
        by_folded.setdefault(candidate.casefold(), candidate)
    folded = value.casefold()
    scored = sorted(((difflib.SequenceMatcher(None, folded, key).ratio(), key) for key in by_folded), reverse=True)
    if not scored or scored[0][0] < _CLOSE:
        return []
    best = scored[0][0]
    return [by_folded[key] for score, key in scored[:3] if score >= max(_CLOSE, best - _AS_CLOSE)]


def _ids_of_close_labels(value: str, known: Mapping[str, str]) -> list[str]:
    labels = _close_matches(value, known.values())
    return [key for label in labels for key, known_label in known.items() if known_label == label][:3]


def _name_fragments(names: Iterable[str], words: int) -> list[str]:
    """Every run of ``words`` consecutive words of ``names``: what a ``name_contains`` typo is close to."""
    fragments: list[str] = []
    for name in names:
        parts = name.split()
        fragments.extend(" ".join(parts[start : start + words]) for start in range(len(parts) - words + 1))
    return fragments


def _did_you_mean(close: Sequence[str]) -> str:
    return f"did you mean {', '.join(map(repr, close))}? " if close else ""


def _listing(values: Mapping[str, str] | Sequence[str]) -> str:
    """The first values, comma-separated; numeric ids (custom stages, pipelines) with their label,
    as a bare number says nothing."""
    if isinstance(values, Mapping):
        shown = [f"{key} ({label})" if key.isdigit() and label != key else key for key, label in values.items()]
    else:
        shown = list(values)
    if not shown:
        return "none"
    more = len(shown) - _LISTED
    return ", ".join(shown[:_LISTED]) + (f", ... ({more} more)" if more > 0 else "")
