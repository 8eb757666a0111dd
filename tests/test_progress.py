"""Progress, expected pace and status at and around their edges."""

from __future__ import annotations

import pytest

from okrmodel.progress import Status, StatusThresholds, progress, status_for, worst_status


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


def test_objective_status_is_its_weakest_measured_kr():
    assert worst_status([Status.DONE, Status.AT_RISK, Status.ON_TRACK]) is Status.AT_RISK
    assert worst_status([Status.NO_DATA, Status.ON_TRACK]) is Status.ON_TRACK
    assert worst_status([Status.NO_DATA]) is Status.NO_DATA
    assert worst_status([]) is Status.NO_DATA
