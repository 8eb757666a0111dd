"""``okr lint``: the OKR method's quality rules (../shared/OKR-METHOD.md), each a named check.

``okr validate`` answers "can this file be read?"; lint answers "are these
good OKRs?". Every finding names its check, its location in the file and a
short why, so a team learns the method while fixing its file. Checks read
both the structured fields and the titles people will actually read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from okrmodel.config import Config, KeyResult, Objective
from okrmodel.config_errors import did_you_mean, format_location
from okrmodel.progress import Direction

__all__ = ["CHECKS", "LintCheck", "LintFinding", "lint"]


@dataclass(frozen=True)
class LintCheck:
    """A rule of the method: its name (what ``okr lint`` prints) and why it matters."""

    name: str
    why: str


CHECKS = {
    check.name: check
    for check in (
        LintCheck("objectives-per-period", "pick 3 to 5 objectives per quarter: more dilutes focus, fewer leaves priorities unsaid"),
        LintCheck("key-results-per-objective", "3 to 5 key results per objective show meaningful progress without diluting it"),
        LintCheck("objective-has-number", "an objective is qualitative; with a number it is a key result (\"Generate 53 MQLs\")"),
        LintCheck("objective-lacks-verb", "an objective says where you want to go, led by a verb of change; \"Market research\" does not say whether to research, improve, increase or decrease"),
        LintCheck("key-result-no-number", "a key result is measured with a real number; without one nobody can tell when it is met (\"Increase brand awareness\")"),
        LintCheck("key-result-activity", "a key result is a result, not a task or an activity (\"Launch a new website\", \"Engage with customers\"); say what changes, in a number"),
        LintCheck("key-result-percentage", "measure with a real number, not a percentage, which hides the volume and its base (\"Respond to 90% of enquiries\")"),
        LintCheck("key-result-no-baseline", "\"by 50%\" or \"from X to Y\" needs its starting value, or progress cannot be measured (\"Boost SEO performance by 50%\")"),
        LintCheck("key-result-title-disagrees", "the title is what people read; the baseline and target must say the same numbers"),
        LintCheck("key-result-no-owner", "every key result needs someone accountable: its own owner or its objective's"),
        LintCheck("owner-no-address", "an owner people: does not list gets no reminder and cannot sign in to the console: nothing reaches them"),
        LintCheck("key-result-unmeasured", "a key result with neither a metric nor a check-in plan (checkin_every) goes silent"),
        LintCheck("action-no-due", "an action without a due date cannot be planned or followed up"),
        LintCheck("metric-unused", "a metric no key result reads is synced every night and shown nowhere: map it to a key result or remove it"),
        LintCheck("metric-caveat", "some numbers mislead unless read with care (opens are inflated by Apple Mail Privacy Protection): prefer a metric without the caveat"),
        LintCheck("duplicate-id", "ids name things in check-ins, history and reports; one id for two things makes both ambiguous"),
    )
}

MIN_PER_LEVEL, MAX_PER_LEVEL = 3, 5


@dataclass(frozen=True)
class LintFinding:
    """One rule broken at one place in the file."""

    check: str
    location: tuple[str | int, ...]
    message: str

    @property
    def why(self) -> str:
        return CHECKS[self.check].why

    def render(self, file_name: str, line: int | None = None) -> str:
        where = f"{file_name}: {format_location(self.location)}" if self.location else file_name
        located = f"{where} (line {line})" if line else where
        return f"{located}: {self.message} [{self.check}: {self.why}]"


# Verbs that say which way an objective moves the business. "market" is left
# out on purpose: as the first word of "Market research" it is a noun.
_VERBS_OF_CHANGE = frozenset(
    """accelerate achieve align attract automate become boost build consolidate create cut decrease deepen deliver
    develop double drive earn elevate enable enhance enter establish expand extend generate get grow halve implement improve
    increase introduce launch lead lower make master maximize maximise minimize minimise modernize modernise move
    open optimize optimise professionalize professionalise protect prove raise rebuild reduce reposition retain
    scale secure shift simplify stabilize stabilise streamline strengthen transform triple turn unify upgrade win""".split()
)
# First words that make a KR a task or an activity when no number follows.
_ACTIVITY_VERBS = frozenset(
    """attend build complete conduct create design develop do engage finish help hold host implement launch migrate
    organize organise participate plan post publish redesign release research roll run set ship start support
    update work write""".split()
)
_NUMBER_WORDS = r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|fifty|hundred|thousand|dozen|million"
_KEY_RESULT_NUMBER = re.compile(rf"\d|\b(?:{_NUMBER_WORDS})\b", re.IGNORECASE)
# A quantity stands on its own ("53 MQLs", "$2,000", "40%"); digits inside a name
# ("COVID-19", "Q4", "B2B") are not a target.
_QUANTITY = re.compile(r"(?<![\w-])[$€£]?\d[\d,.]*%?(?![\w-])")
_PERCENT = re.compile(r"%|\bper\s?cent\b|\bpercentage\b", re.IGNORECASE)
_PERCENT_UNITS = frozenset({"%", "percent", "pct", "percentage"})
_AMOUNT = r"\$?(\d[\d,]*(?:\.\d+)?)"
_FROM_TO = re.compile(rf"\bfrom\s+{_AMOUNT}(?:\s+[A-Za-z]+)?\s+to\s+{_AMOUNT}", re.IGNORECASE)
_RELATIVE = re.compile(r"\bby\s+\$?\d[\d,]*(?:\.\d+)?\s*(?:%|percent\b|x\b|times\b)|\b(?:double|triple|halve)\b", re.IGNORECASE)


def lint(config: Config) -> list[LintFinding]:
    """Every finding for ``config``, in file order within each check family."""
    findings: list[LintFinding] = []
    findings.extend(_count_checks(config))
    for o_index, objective in enumerate(config.objectives):
        findings.extend(_objective_checks(objective, ("objectives", o_index)))
        for k_index, key_result in enumerate(objective.key_results):
            findings.extend(_key_result_checks(objective, key_result, ("objectives", o_index, "key_results", k_index)))
        for a_index, action in enumerate(objective.actions):
            if action.due is None:
                findings.append(LintFinding("action-no-due", ("objectives", o_index, "actions", a_index, "due"), f"action {action.title!r} has no due date"))
    findings.extend(_metric_checks(config))
    findings.extend(_duplicate_ids(config))
    findings.extend(_unreachable_owners(config))
    return findings


def _unreachable_owners(config: Config) -> Iterator[LintFinding]:
    """Owners without an address, once the file reaches owners at all (people:, reminders: or console:);
    each name once, at its first use."""
    if not (config.people or config.reminders or config.console):
        return
    named: set[str] = set()
    for o_index, objective in enumerate(config.objectives):
        uses = [(("objectives", o_index, "owner"), objective.owner)]
        uses += [(("objectives", o_index, "key_results", k_index, "owner"), kr.owner) for k_index, kr in enumerate(objective.key_results)]
        uses += [(("objectives", o_index, "actions", a_index, "owner"), action.owner) for a_index, action in enumerate(objective.actions)]
        for location, owner in uses:
            if owner is None or owner in config.people or owner in named:
                continue
            named.add(owner)
            yield LintFinding("owner-no-address", location, f"owner {owner!r} has no address in people:{did_you_mean(owner, config.people)}")


def _metric_checks(config: Config) -> Iterator[LintFinding]:
    read = {key_result.metric for objective in config.objectives for key_result in objective.key_results}
    for name, metric in config.metrics.items():
        if name not in read:
            yield LintFinding("metric-unused", ("metrics", name), f"metric {name!r} feeds no key result")
        for caveat in metric.caveats:
            yield LintFinding("metric-caveat", ("metrics", name), f"metric {name!r}: {caveat}")


def _count_checks(config: Config) -> Iterator[LintFinding]:
    several_periods = len(config.periods) > 1
    for period in config.periods:
        # Objectives persist; with several periods one counts in a period only when it has KRs there.
        active = [
            (o_index, objective)
            for o_index, objective in enumerate(config.objectives)
            if not several_periods or config.key_results_in(objective, period)
        ]
        if not MIN_PER_LEVEL <= len(active) <= MAX_PER_LEVEL:
            yield LintFinding("objectives-per-period", ("objectives",), f"{period.label} has {len(active)} objectives; the method asks for 3 to 5")
        for o_index, objective in active:
            count = len(config.key_results_in(objective, period))
            if not MIN_PER_LEVEL <= count <= MAX_PER_LEVEL:
                yield LintFinding(
                    "key-results-per-objective", ("objectives", o_index, "key_results"),
                    f"objective {objective.id!r} has {count} key results in {period.label}; the method asks for 3 to 5",
                )


def _objective_checks(objective: Objective, location: tuple[str | int, ...]) -> Iterator[LintFinding]:
    title = objective.title.strip()
    if _QUANTITY.search(title):
        yield LintFinding("objective-has-number", location + ("title",), f"objective {title!r} contains a number; move it into a key result")
    first_word = _first_word(title)
    if first_word not in _VERBS_OF_CHANGE:
        yield LintFinding("objective-lacks-verb", location + ("title",), f"objective {title!r} does not start with a verb of change such as build, improve, increase, reduce or lead")


def _key_result_checks(objective: Objective, key_result: KeyResult, location: tuple[str | int, ...]) -> Iterator[LintFinding]:
    title = key_result.title.strip()
    has_number = bool(_KEY_RESULT_NUMBER.search(title)) and (key_result.target is not None or key_result.direction is Direction.MILESTONE)
    is_task = _first_word(title) in _ACTIVITY_VERBS and (not _KEY_RESULT_NUMBER.search(title) or key_result.direction is Direction.MILESTONE)
    if is_task:
        yield LintFinding("key-result-activity", location + ("title",), f"key result {title!r} reads as a task or an activity; name the result it produces, with a number")
    elif not has_number:
        missing, field = ("target", "target") if key_result.target is None else ("number in its title", "title")
        yield LintFinding("key-result-no-number", location + (field,), f"key result {title!r} has no {missing}; state the number that means success")
    if _PERCENT.search(title) or (key_result.unit or "").strip().lower() in _PERCENT_UNITS:
        yield LintFinding("key-result-percentage", location + ("title",), f"key result {title!r} is a percentage; count the real number (enquiries answered, sessions, MQLs)")
    from_to = _FROM_TO.search(title)
    if key_result.baseline is None and (from_to or _RELATIVE.search(title)):
        yield LintFinding("key-result-no-baseline", location + ("baseline",), f"key result {title!r} implies a starting value; set baseline (and a target in real numbers)")
    elif from_to:
        stated_from, stated_to = (float(number.replace(",", "")) for number in from_to.groups())
        if key_result.baseline != stated_from or key_result.target != stated_to:
            yield LintFinding(
                "key-result-title-disagrees", location + ("baseline",),
                f"key result {title!r} says from {stated_from:g} to {stated_to:g}, but baseline is {key_result.baseline:g} and target {_number(key_result.target)}",
            )
    if not (key_result.owner or objective.owner):
        yield LintFinding("key-result-no-owner", location + ("owner",), f"key result {title!r} has no owner, and neither has its objective")
    if key_result.metric is None and key_result.checkin_every is None:
        yield LintFinding("key-result-unmeasured", location, f"key result {title!r} has no metric and no check-in plan; set metric or checkin_every (week, two_weeks, month)")


def _duplicate_ids(config: Config) -> Iterator[LintFinding]:
    # Validation already refuses two objectives or two KRs with one id; an
    # objective and a KR sharing one is legal but ambiguous.
    objective_ids = {objective.id: o_index for o_index, objective in enumerate(config.objectives)}
    for o_index, objective in enumerate(config.objectives):
        for k_index, key_result in enumerate(objective.key_results):
            if key_result.id in objective_ids:
                yield LintFinding(
                    "duplicate-id", ("objectives", o_index, "key_results", k_index, "id"),
                    f"id {key_result.id!r} names both this key result and objectives[{objective_ids[key_result.id]}]",
                )


def _first_word(title: str) -> str:
    match = re.match(r"[A-Za-z]+", title.strip())
    return match.group(0).lower() if match else ""


def _number(value: float | None) -> str:
    return "missing" if value is None else f"{value:g}"
