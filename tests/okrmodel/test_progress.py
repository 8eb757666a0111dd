"""Progress, expected pace and status at and around their edges, for every direction."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from okrmodel.progress import Direction, Status, StatusThresholds, clamp_progress, infer_direction, progress, status_for, worst_status


@pytest.mark.parametrize(
    ("actual", "baseline", "target", "expected"),
    [
        (25, 20, 30, 0.5),  # the method's "from 20 to 30" example
        (20, 20, 30, 0.0),
        (34, 20, 30, 1.4),  # over-achievement is kept, not clamped
        (15, 20, 30, -0.5),  # moving backwards
        (105, 120, 90, 0.5),  # decreasing target: cost per MQL from 120 to 90
        (2, 0, 3, 2 / 3),
        (5, 5, 5, 1.0),  # baseline == target: reached
        (4, 5, 5, 0.0),  # baseline == target: not reached
    ],
)
def test_progress(actual, baseline, target, expected):
    assert progress(actual, baseline, target) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("kr_progress", "expected_pace", "status"),
    [
        (None, 0.5, Status.NO_DATA),
        (1.0, 0.1, Status.DONE),
        (1.4, 0.9, Status.DONE),
        (0.45, 0.5, Status.ON_TRACK),  # exactly 0.9 x expected
        (0.4499, 0.5, Status.AT_RISK),
        (0.35, 0.5, Status.AT_RISK),  # exactly 0.7 x expected
        (0.3499, 0.5, Status.OFF_TRACK),
        (-0.2, 0.5, Status.OFF_TRACK),
        (0.0, 0.0, Status.ON_TRACK),  # nothing expected yet
    ],
)
def test_status_thresholds(kr_progress, expected_pace, status):
    assert status_for(kr_progress, expected_pace) is status


def test_thresholds_are_configurable():
    assert status_for(0.45, 0.5, StatusThresholds(on_track=1.0, at_risk=0.9)) is Status.AT_RISK


def test_objective_status_is_its_weakest_kr_and_no_data_is_never_green():
    assert worst_status([Status.DONE, Status.AT_RISK, Status.ON_TRACK]) is Status.AT_RISK
    # A KR that never got data ranks like a stale one: worse than at risk, better than off track.
    assert worst_status([Status.NO_DATA, Status.ON_TRACK]) is Status.NO_DATA
    assert worst_status([Status.NO_DATA, Status.DONE]) is Status.NO_DATA
    assert worst_status([Status.NO_DATA, Status.AT_RISK]) is Status.NO_DATA
    assert worst_status([Status.NO_DATA, Status.OFF_TRACK]) is Status.OFF_TRACK
    assert worst_status([Status.NO_DATA, Status.STALE]) is Status.STALE
    assert worst_status([Status.NO_DATA]) is Status.NO_DATA
    assert worst_status([]) is Status.NO_DATA


# --- directions: properties over all of them (hypothesis) -------------------

# Finite values of a size real KRs have, negatives included (net revenue, deltas).
values = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False, allow_subnormal=False)  # 5e-324 halves to 0


@given(baseline=values, target=values, actual=values)
def test_travel_progress_is_zero_at_baseline_one_at_target_and_linear(baseline, target, actual):
    direction = infer_direction(baseline, target)
    # A gap of a few units in the last place (-1e9 to -999999999.9999999) has no float midpoint to speak of.
    assume(abs(target - baseline) > 1e-6 * max(abs(baseline), abs(target), 1.0))
    assert progress(baseline, baseline, target, direction) == 0.0
    assert progress(target, baseline, target, direction) == pytest.approx(1.0)
    midpoint = baseline + (target - baseline) / 2
    assert progress(midpoint, baseline, target, direction) == pytest.approx(0.5)
    assert 0.0 <= clamp_progress(progress(actual, baseline, target, direction)) <= 1.0


@given(baseline=values, target=values, lower=values, higher=values)
def test_travel_progress_moves_with_the_direction(baseline, target, lower, higher):
    assume(baseline != target and lower < higher)
    direction = infer_direction(baseline, target)
    at_lower, at_higher = progress(lower, baseline, target, direction), progress(higher, baseline, target, direction)
    if direction is Direction.INCREASE:
        assert at_lower <= at_higher  # more is better
    else:
        assert at_lower >= at_higher  # less is better: cost per MQL from 120 to 90


@given(value=values, actual=values)
def test_baseline_equal_to_target_is_reached_or_not_never_a_division(value, actual):
    assert progress(actual, value, value, Direction.INCREASE) == (1.0 if actual >= value else 0.0)
    assert progress(actual, value, value, Direction.DECREASE) == (1.0 if actual <= value else 0.0)
    assert progress(actual, value, value) in (0.0, 1.0)


@given(baseline=values, threshold=values, actual=values)
def test_thresholds_and_milestones_are_binary_and_hold_exactly_at_the_line(baseline, threshold, actual):
    assert progress(actual, baseline, threshold, Direction.STAY_ABOVE) == (1.0 if actual >= threshold else 0.0)
    assert progress(actual, baseline, threshold, Direction.STAY_BELOW) == (1.0 if actual <= threshold else 0.0)
    assert progress(threshold, baseline, threshold, Direction.STAY_ABOVE) == progress(threshold, baseline, threshold, Direction.STAY_BELOW) == 1.0
    assert progress(actual, 0, 1, Direction.MILESTONE) == (1.0 if actual >= 1 else 0.0)


@given(baseline=values, target=values)
def test_an_explicit_direction_against_the_numbers_is_refused(baseline, target):
    assume(target != baseline)
    wrong = Direction.DECREASE if target > baseline else Direction.INCREASE
    with pytest.raises(ValueError, match="needs target"):
        progress(target, baseline, target, wrong)


@given(raw=st.floats(min_value=-10, max_value=10), expected=st.floats(min_value=0, max_value=1))
def test_status_never_gets_better_as_progress_drops(raw, expected):
    order = [Status.OFF_TRACK, Status.AT_RISK, Status.ON_TRACK, Status.DONE]
    higher = status_for(raw + 0.05, expected)
    lower = status_for(raw, expected)
    assert order.index(lower) <= order.index(higher)


# --- golden: pace and status around the thresholds, every direction ---------

@pytest.mark.parametrize(
    ("actual", "baseline", "target", "expected_pace", "status"),
    [
        # decrease: cost per MQL from 120 to 90, half the quarter gone (expected 0.5)
        (106.5, 120, 90, 0.5, Status.ON_TRACK),  # progress 0.45 = 0.9 x 0.5
        (106.6, 120, 90, 0.5, Status.AT_RISK),  # a hair slower
        (109.5, 120, 90, 0.5, Status.AT_RISK),  # progress 0.35 = 0.7 x 0.5
        (109.6, 120, 90, 0.5, Status.OFF_TRACK),
        (125, 120, 90, 0.5, Status.OFF_TRACK),  # worse than the baseline
        (90, 120, 90, 0.2, Status.DONE),
        (80, 120, 90, 0.2, Status.DONE),  # beyond target
        # increase with negative numbers: net churn from -40 to -10
        (-26.5, -40, -10, 0.5, Status.ON_TRACK),  # 13.5 / 30 = 0.45
        (-29.6, -40, -10, 0.5, Status.OFF_TRACK),  # 10.4 / 30 < 0.35
    ],
)
def test_golden_travel_status(actual, baseline, target, expected_pace, status):
    direction = infer_direction(baseline, target)
    assert status_for(progress(actual, baseline, target, direction), expected_pace, direction=direction) is status


@pytest.mark.parametrize(
    ("direction", "actual", "expected_pace", "status"),
    [
        (Direction.STAY_ABOVE, 4000, 0.5, Status.ON_TRACK),  # exactly at the threshold holds
        (Direction.STAY_ABOVE, 3999, 0.5, Status.OFF_TRACK),
        (Direction.STAY_ABOVE, 4500, 1.0, Status.DONE),  # held to the end of the period
        (Direction.STAY_BELOW, 4000, 0.5, Status.ON_TRACK),
        (Direction.STAY_BELOW, 4001, 0.5, Status.OFF_TRACK),
        (Direction.MILESTONE, 0, 0.99, Status.ON_TRACK),  # not done, time left
        (Direction.MILESTONE, 0, 1.0, Status.OFF_TRACK),  # due date passed
    ],
)
def test_golden_threshold_and_milestone_status(direction, actual, expected_pace, status):
    target = 1 if direction is Direction.MILESTONE else 4000
    assert status_for(progress(actual, 0, target, direction), expected_pace, direction=direction) is status


def test_stale_is_never_hidden_by_a_healthy_kr():
    assert worst_status([Status.DONE, Status.ON_TRACK, Status.STALE]) is Status.STALE
    assert worst_status([Status.AT_RISK, Status.STALE]) is Status.STALE
    assert worst_status([Status.OFF_TRACK, Status.STALE]) is Status.OFF_TRACK


def test_thresholds_must_be_ordered():
    with pytest.raises(ValueError, match="at_risk <= on_track"):
        StatusThresholds(on_track=0.6, at_risk=0.8)
