"""The search indexes only make the sandbox faster: every indexed answer equals the answer of a
plain scan over all records (``search_records`` without narrowing), edge cases included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import event, given, settings
from hypothesis import strategies as st

from connectors.sandbox import contact
from connectors.sandbox.catalogue import property_types
from connectors.sandbox.index import RecordIndex
from connectors.sandbox.search import SearchValidationError, search_records

START = datetime(2026, 10, 1, tzinfo=UTC)
TYPES = property_types("contacts")
MOMENTS = [START + timedelta(hours=7 * n, milliseconds=n % 3) for n in range(40)]


def _records() -> list[dict]:
    records = [
        contact(100 + n, MOMENTS[n], stages={"lead": MOMENTS[n], **({"marketingqualifiedlead": MOMENTS[n + 1]} if n % 3 == 0 else {})},
                source=("ORGANIC_SEARCH", "REFERRALS", "Organic_Search", None)[n % 4])
        for n in range(36)
    ]
    # Edge cases: an unparsable date, an empty one, a stage spelt in another case, a record whose
    # hs_object_id is not its id, two records sharing one millisecond.
    records[3]["properties"]["createdate"] = "not a date"
    records[4]["properties"]["createdate"] = ""
    records[5]["properties"]["lifecyclestage"] = "LEAD"
    records[6]["properties"]["hs_object_id"] = "99999"
    records[7]["properties"]["createdate"] = records[8]["properties"]["createdate"]
    return records


RECORDS = _records()
INDEX = RecordIndex(RECORDS, TYPES)


def _millis(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


STAMP_VALUES = st.sampled_from(MOMENTS).flatmap(
    lambda moment: st.sampled_from([_millis(moment), _millis(moment) + 1, moment.isoformat(), str(_millis(moment)), "garbage"])
)
DATE_FILTERS = st.builds(
    lambda name, operator, value: {"propertyName": name, "operator": operator, "value": value},
    st.sampled_from(["createdate", "hs_v2_date_entered_marketingqualifiedlead"]),
    st.sampled_from(["GTE", "GT", "LT", "LTE", "EQ", "NEQ"]),
    STAMP_VALUES,
)
VALUE_FILTERS = st.one_of(
    st.builds(lambda name, value: {"propertyName": name, "operator": "EQ", "value": value},
              st.sampled_from(["lifecyclestage", "hs_analytics_source"]), st.sampled_from(["lead", "LEAD", "organic_search", "", "none"])),
    st.builds(lambda values: {"propertyName": "hs_analytics_source", "operator": "IN", "values": values},
              st.lists(st.sampled_from(["ORGANIC_SEARCH", "referrals", "x"]), min_size=1, max_size=3)),
    st.just({"propertyName": "hs_analytics_source", "operator": "HAS_PROPERTY"}),
)
REQUESTS = st.builds(
    lambda groups, sort, after: {"filterGroups": groups, "limit": 7, "after": after, **({"sorts": [sort]} if sort else {})},
    st.lists(st.lists(st.one_of(DATE_FILTERS, VALUE_FILTERS), min_size=1, max_size=3).map(lambda filters: {"filters": filters}), min_size=1, max_size=2),
    st.sampled_from([None, {"propertyName": "hs_object_id", "direction": "ASCENDING"}, {"propertyName": "createdate", "direction": "DESCENDING"}]),
    st.sampled_from([0, 7, 14]),
)


def _answer(records, request, passed=()):
    try:
        return search_records(records, request, property_types=TYPES, default_properties=("email",), always_properties=("hs_object_id",),
                              link_base="http://sandbox", passed=passed)
    except SearchValidationError as error:
        return f"400: {error}"


@settings(max_examples=400)
@given(REQUESTS)
def test_an_indexed_search_answers_exactly_as_a_scan_of_every_record(request):
    narrowed = INDEX.narrow(request)
    expected = _answer(RECORDS, request)
    assert _answer(narrowed.records, request, narrowed.passed) == expected

    if isinstance(expected, dict):
        event("valid, matching" if expected["total"] else "valid, empty")


def test_the_indexes_narrow_the_searches_they_serve():
    day = {"filterGroups": [{"filters": [
        {"propertyName": "hs_analytics_source", "operator": "EQ", "value": "referrals"},
        {"propertyName": "createdate", "operator": "GTE", "value": MOMENTS[10].isoformat()},
        {"propertyName": "createdate", "operator": "LT", "value": MOMENTS[14].isoformat()},
    ]}]}
    narrowed = INDEX.narrow(day)
    assert len(narrowed.records) == 4 and narrowed.passed == {1, 2}
    stage = INDEX.narrow({"filterGroups": [{"filters": [{"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"}]}]})
    assert narrowed.records and all(record["properties"]["lifecyclestage"].casefold() == "lead" for record in stage.records)
    assert stage.passed == {0}


def test_prepared_and_appended_records_are_both_found():
    records = list(RECORDS)
    index = RecordIndex(records, TYPES)
    index.prepare(["createdate", "lifecyclestage"])
    records.append(contact(500, MOMENTS[20], stages={"customer": MOMENTS[20]}))
    found = index.narrow({"filterGroups": [{"filters": [{"propertyName": "lifecyclestage", "operator": "EQ", "value": "customer"}]}]})
    assert [record["id"] for record in found.records] == ["500"]
