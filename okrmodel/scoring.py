"""Period-end scores 0.0-1.0 for key results and objectives.

Scores follow the stretch-goal culture the method expects: 0.7 reads as good,
1.0 every time suggests targets that were not ambitious enough.
"""

from __future__ import annotations

from collections.abc import Iterable

from okrmodel.progress import clamp_progress

__all__ = ["GOOD_SCORE", "key_result_score", "score_label", "weighted_mean", "weighted_mean_counting_missing"]

GOOD_SCORE = 0.7
"""At or above: the KR was met as well as a stretch target should be."""
PARTIAL_SCORE = 0.4


def key_result_score(raw_progress: float | None) -> float | None:
    """A KR's score: its progress clamped to 0..1, to two decimals (None without data)."""
    return round(clamp_progress(raw_progress), 2) if raw_progress is not None else None


def weighted_mean(pairs: Iterable[tuple[float | None, float]]) -> float | None:
    """Mean of ``(value, weight)`` pairs, skipping missing values; None when nothing is left."""
    present = [(value, weight) for value, weight in pairs if value is not None]
    total_weight = sum(weight for _, weight in present)
    if not present or total_weight <= 0:
        return None
    return sum(value * weight for value, weight in present) / total_weight


def weighted_mean_counting_missing(pairs: Iterable[tuple[float | None, float]]) -> float | None:
    """Mean of ``(value, weight)`` pairs where a missing value counts as 0; None only when all are missing.

    An objective's progress and score: a KR that never got data pulls its
    objective down instead of vanishing from the mean (silence is never green).
    """
    pairs = list(pairs)
    if all(value is None for value, _ in pairs):
        return None
    return weighted_mean((value if value is not None else 0.0, weight) for value, weight in pairs)


def score_label(score: float | None) -> str | None:
    """``good`` from 0.7, ``partial`` from 0.4, else ``missed``; None without a score."""
    if score is None:
        return None
    if score >= GOOD_SCORE:
        return "good"
    if score >= PARTIAL_SCORE:
        return "partial"
    return "missed"
