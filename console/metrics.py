"""Metrics (ops): every metric with what it feeds, each source's catalogue read live, a live
preview of any mapping with its chart and the YAML to paste, and writing a mapping back into
the file once the whole new file is valid."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from connectors import SourceError
from console.companies import Company
from console.live import today_of
from console.mapping_file import MappingNotWritten, definition_yaml, write_metric, yaml_snippet
from console.web import company_of, read_form, render, require_ops, state_of
from flows.mapping import MetricPreview, metric_uses, preview_metric, read_catalogues
from okrmodel.briefing.model import Trend
from okrmodel.config import ConfigError, MetricSettings
from okrmodel.config_errors import ConfigProblem
from okrmodel.periods import WindowKind
from okrmodel.yaml_source import YamlDocument
from reports.formatting import format_number
from reports.view.trend import trend_chart

__all__ = ["router"]

router = APIRouter()
METRIC_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


@dataclass(frozen=True)
class MappingForm:
    name: str = ""
    definition: str = ""
    window: str = ""
    errors: dict[str, str] | None = None


@router.get("/c/{slug}/metrics")
def metrics_page(request: Request, slug: str, source: str | None = None, search: str | None = None) -> Response:
    company = company_of(request, slug)
    require_ops(request, company)
    catalogues = read_catalogues(company.config, source, search or None) if source in company.config.sources else None
    return _page(request, company, MappingForm(), catalogues=catalogues, source=source, search=search or "")


@router.post("/c/{slug}/metrics/preview")
async def preview(request: Request, slug: str) -> Response:
    form = await read_form(request)
    # A preview reads the source live: off the event loop, so other pages keep answering meanwhile.
    return await run_in_threadpool(_preview, request, slug, form)


def _preview(request: Request, slug: str, form: dict[str, str]) -> Response:
    company = company_of(request, slug)
    require_ops(request, company)
    typed, spec, window = _read_mapping(company, form)
    if spec is None:
        return _page(request, company, typed, status_code=422)
    try:
        result = preview_metric(company.config, typed.name, spec, today_of(company, state_of(request).clock()), window)
    except ValueError as error:
        return _page(request, company, _with_error(typed, "window", f"Window: {error}"), status_code=422)
    except SourceError as error:
        return _page(request, company, _with_error(typed, "definition", f"The source refused it: {error}"), status_code=422)
    return _page(request, company, typed, result=result, spec=spec)


@router.post("/c/{slug}/metrics/save")
async def save(request: Request, slug: str) -> Response:
    form = await read_form(request)
    return await run_in_threadpool(_save, request, slug, form)


def _save(request: Request, slug: str, form: dict[str, str]) -> Response:
    company = company_of(request, slug)
    require_ops(request, company)
    typed, spec, _window = _read_mapping(company, form)
    if spec is None:
        return _page(request, company, typed, status_code=422)
    replaced = typed.name in company.config.metrics
    try:
        with company.file_lock:
            write_metric(company.path, company.config, typed.name, _data_of(typed.definition))
            company.reload()
    except (MappingNotWritten, ConfigError) as error:
        return _page(request, company, _with_error(typed, "definition", str(error)), status_code=422)
    verb = "replaced in" if replaced else "added to"
    return _page(request, company, MappingForm(), saved=f"Metric {typed.name} {verb} {company.path.name}; the next sync reads it.")


def _read_mapping(company: Company, form: dict[str, str]) -> tuple[MappingForm, MetricSettings | None, WindowKind | None]:
    typed = MappingForm(form.get("name", "").strip(), form.get("definition", ""), form.get("window", ""))
    errors: dict[str, str] = {}
    if not METRIC_NAME.fullmatch(typed.name):
        errors["name"] = "Name: give the metric a name of letters, digits, _ . or - (such as inbound_mqls), at most 100 characters"
    window = None
    if typed.window:
        try:
            window = WindowKind(typed.window)
        except ValueError:
            errors["window"] = f"Window: one of {', '.join(kind.value for kind in WindowKind)}, or empty for the default"
    spec = None
    try:
        spec = company.config.parse_metric(_data_of(typed.definition), name="Definition")
    except ConfigError as error:
        errors["definition"] = str(error)
    if errors:
        return MappingForm(typed.name, typed.definition, typed.window, errors), None, None
    return typed, spec, window


def _data_of(text: str) -> dict:
    document = YamlDocument.parse(text, "Definition")
    if not isinstance(document.data, dict):
        raise ConfigError("Definition", [ConfigProblem((), "give the metric as a mapping, such as {source: hubspot, kind: contacts_created}")])
    return document.data


def _with_error(form: MappingForm, field: str, message: str) -> MappingForm:
    return MappingForm(form.name, form.definition, form.window, {**(form.errors or {}), field: message})


def _page(request: Request, company: Company, form: MappingForm, *, status_code: int = 200, result: MetricPreview | None = None,
          spec: MetricSettings | None = None, catalogues=None, source: str | None = None, search: str = "", saved: str | None = None) -> Response:
    uses = metric_uses(company.config, company.store, today_of(company, state_of(request).clock()))
    definitions = {
        name: definition_yaml(metric.model_dump(mode="json", by_alias=True, exclude_defaults=True))
        for name, metric in company.config.metrics.items()
    }
    chart = snippet = None
    if result is not None and spec is not None:
        chart = trend_chart(_preview_trend(result), None)
        # A preview has no target, pace or forecast to tell apart: only its own line.
        chart = replace(chart, legend="") if chart is not None else None
        snippet = yaml_snippet(form.name, _data_of(form.definition))
    return render(
        request, "metrics.html.j2", status_code=status_code, company=company, form=form, uses=uses, definitions=definitions,
        result=result, chart=chart, snippet=snippet, catalogues=catalogues, source=source, search=search, saved=saved,
        windows=[kind.value for kind in WindowKind], format_number=format_number,
    )


def _preview_trend(result: MetricPreview) -> Trend:
    """The preview as a chart: a running total of the days for a flow that adds up, else each day on its own."""
    days = sorted(result.reading.values.items())
    if result.spec.adds_up_over_days and result.window_kind is not WindowKind.LATEST:
        running, points = 0.0, []
        for day, value in days:
            running += value
            points.append((day, running))
        label = f"metric {result.metric}, running total"  # the caption capitalises its first word, never the name
    else:
        points, label = days, f"metric {result.metric}, each day"
    return Trend(key_result_id=f"preview-{result.metric}", label=label, points=points, pace=[], forecast=None, target=None,
                 daily_counts=not result.spec.adds_up_over_days)
