"""Metrics (ops): the catalogue read live, a mapping previewed with its chart and the YAML to
paste, and written into okrs.yaml only when the whole new file is valid, comments and order kept."""

from __future__ import annotations

import html
import re

from tests.console.conftest import HEADER, csrf_of, post_form, sign_in_ops

NEW = "{source: sheet, kind: csv_column, column: signups}"


def test_the_catalogue_of_a_source_is_read_live(console):
    sign_in_ops(console.client)
    page = console.client.get("/c/acme-cloud/metrics", params={"source": "sheet"}).text
    assert "signups" in page and "leads" in page
    assert "column:" in page  # each table says where its rows go in okrs.yaml


def test_a_mapping_is_previewed_with_its_chart_and_the_yaml_to_paste(console):
    sign_in_ops(console.client)
    answer = post_form(console.client, "/c/acme-cloud/metrics", "/c/acme-cloud/metrics/preview", {"name": "signups", "definition": NEW, "window": "period"})
    assert answer.status_code == 200, answer.text
    page = answer.text
    # 1 Oct to 20 Nov from the CSV: 0, 1, 0, 1... over the 50 rows up to 19 Nov.
    assert re.search(r"period 1 Oct 2026 to 20 Nov 2026: <strong>25</strong>", page)
    assert 'role="img"' in page and "Metric signups, running total" in page
    snippet = re.search(r'<pre class="snippet">(.*?)</pre>', page, re.S).group(1)
    assert snippet == "metrics:\n  signups:\n    source: sheet\n    kind: csv_column\n    column: signups\n"
    assert console.path.read_text().count("signups") == 0  # a preview writes nothing


def test_a_bad_mapping_is_refused_with_its_location(console):
    sign_in_ops(console.client)
    answer = post_form(console.client, "/c/acme-cloud/metrics", "/c/acme-cloud/metrics/preview", {"name": "signups", "definition": "{source: sheet, kind: csv_colum, column: x}"})
    assert answer.status_code == 422 and "Definition:" in answer.text and "csv_colum" in answer.text
    assert 'aria-invalid="true"' in answer.text and "csv_colum, column: x}</textarea>" in answer.text
    unknown = post_form(console.client, "/c/acme-cloud/metrics", "/c/acme-cloud/metrics/preview", {"name": "signups", "definition": "{source: sheet, kind: csv_column, column: nope}"})
    assert unknown.status_code == 422 and "nope" in unknown.text


def test_writing_a_mapping_back_keeps_the_files_comments_and_order(console):
    sign_in_ops(console.client)
    before = console.path.read_text()
    answer = post_form(console.client, "/c/acme-cloud/metrics", "/c/acme-cloud/metrics/save", {"name": "signups", "definition": NEW})
    assert answer.status_code == 200 and "Metric signups added to okrs.yaml" in answer.text
    after = console.path.read_text()
    assert after.startswith(HEADER)
    assert "  leads: {source: sheet, kind: csv_column, column: leads}  # the sheet's daily leads\n  signups:\n" in after
    removed = [line for line in before.splitlines() if line not in after.splitlines()]
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert removed == [] and added == ["  signups:", "    source: sheet", "    kind: csv_column", "    column: signups"]
    assert "signups" in console.client.app.state.console.companies[0].config.metrics
    assert "signups" in console.client.get("/c/acme-cloud/metrics").text


def test_a_mapping_that_would_break_the_file_is_not_written(console):
    sign_in_ops(console.client)
    before = console.path.read_text()
    # Valid on its own, but replacing leads by a snapshot breaks nothing; a source that is not there does.
    answer = post_form(console.client, "/c/acme-cloud/metrics", "/c/acme-cloud/metrics/save", {"name": "leads", "definition": "{source: elsewhere, kind: csv_column, column: leads}"})
    assert answer.status_code == 422 and "elsewhere" in answer.text
    assert console.path.read_text() == before
    bad_name = post_form(console.client, "/c/acme-cloud/metrics", "/c/acme-cloud/metrics/save", {"name": "two words", "definition": NEW})
    assert bad_name.status_code == 422 and "Name: give the metric a name" in bad_name.text
    assert console.path.read_text() == before


def test_each_metric_of_the_file_is_previewed_from_its_row(console):
    """The row's Preview button posts the metric's own definition, which must read back as the same mapping."""
    sign_in_ops(console.client)
    page = console.client.get("/c/acme-cloud/metrics").text
    row_form = re.search(r'<input type="hidden" name="name" value="leads">\s*<input type="hidden" name="definition" value="([^"]*)">', page)
    definition = html.unescape(row_form.group(1))
    assert sorted(definition.splitlines()) == ["column: leads", "kind: csv_column", "source: sheet"]  # each key at the margin
    answer = console.client.post("/c/acme-cloud/metrics/preview", data={"csrf": csrf_of(page), "name": "leads", "definition": definition})
    assert answer.status_code == 200, answer.text
    assert "Metric leads, running total" in answer.text
