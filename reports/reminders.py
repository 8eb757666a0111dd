"""An owner's weekly reminder, and the escalation to an objective's owner, as short emails.

Like ops' alerts, one view (every line already worded) is rendered as plain text and as
mail-client HTML with the report email's stylesheet (``templates/owner_message.*.j2``), and the
message goes out through ``reports.email.send_email`` over ``email:``'s SMTP. Config text is
escaped by the HTML template, never here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import parseaddr

from okrmodel.briefing.attention import silence_words
from okrmodel.config import EmailSettings
from okrmodel.reminders import OwnedAction, OwnedKeyResult, PlannedEscalation, PlannedReminder
from reports.email import new_message
from reports.formatting import format_date, format_delta, format_status, sentence
from reports.render import owner_message_html, owner_message_text
from reports.view.badges import action_badge, status_badge
from reports.view.key_results import key_result_headline
from reports.view.sections import Badge

__all__ = ["MessageGroup", "MessageItem", "OwnerMessageView", "build_owner_email", "escalation_view", "recipient", "reminder_view"]


@dataclass(frozen=True)
class MessageItem:
    title: str
    badge: Badge | None
    lines: tuple[str, ...]
    link: str | None = None
    link_label: str | None = None


@dataclass(frozen=True)
class MessageGroup:
    heading: str
    items: tuple[MessageItem, ...]


@dataclass(frozen=True)
class OwnerMessageView:
    tone: str
    subject: str
    headline: str
    preheader: str
    groups: tuple[MessageGroup, ...]
    notes: tuple[str, ...]
    footer: str


def reminder_view(company: str, reminder: PlannedReminder, escalate_after: int, report_page: str | None = None) -> OwnerMessageView:
    """What an owner reads on reminder day: the check-ins due (each with its link to the console's
    form), the overdue actions, then all their KRs with status and what changed; ``report_page``
    links the published report."""
    agenda = reminder.agenda
    due, overdue = agenda.checkins_due, agenda.overdue_actions
    what = ", ".join(part for part in (_count(len(due), "check-in") + " due" if due else "", _count(len(overdue), "overdue action") if overdue else "") if part)
    groups = []
    if due:
        groups.append(MessageGroup("Check-ins due", tuple(_checkin_item(item) for item in due)))
    if overdue:
        groups.append(MessageGroup("Overdue actions", tuple(_action_item(item, agenda.day) for item in overdue)))
    groups.append(MessageGroup("Your key results", tuple(_key_result_item(item) for item in agenda.key_results)))
    first = due[0].status.title if due else overdue[0].action.title
    return OwnerMessageView(
        tone="warn",
        subject=f"{company} OKRs: {what}",
        headline=f"{agenda.owner}, {what} this week",
        preheader=f"{first}{' and more' if len(due) + len(overdue) > 1 else ''}: {what}",
        groups=tuple(groups),
        notes=(
            *([f"The full report: {report_page}"] if report_page else []),
            # Said only where a check-in is asked for: an owner with overdue actions alone has nothing to escalate.
            *(
                [f"A check-in asked for in vain {_count(escalate_after, 'week')} in a row is passed on to the objective's owner; "
                 "a key result never drops out of the report."]
                if due else []
            ),
        ),
        footer=f"OKR Autopilot, the weekly reminder of {company} to {agenda.owner}.",
    )


def escalation_view(company: str, planned: PlannedEscalation) -> OwnerMessageView:
    """What an objective's owner reads when KRs under it went unanswered: which, whose, for how long."""
    escalation = planned.escalation
    key_results = escalation.key_results
    longest = max(key_results, key=lambda kr: kr.silence.weeks)
    about = key_results[0].title if len(key_results) == 1 else _count(len(key_results), "key result")
    items = tuple(
        MessageItem(
            kr.title, Badge(sentence(silence_words(kr.silence)), "warn"),
            (f"Owner: {kr.owner or 'nobody'}", f"{_count(kr.silence.missed, 'reminder')} in a row asked for its check-in and got none"),
        )
        for kr in key_results
    )
    return OwnerMessageView(
        tone="bad",
        subject=f"{company} OKRs: no check-in on {about} ({silence_words(longest.silence).removeprefix('no check-in ')})",
        headline=f"{escalation.objective_title}: check-ins asked for in vain",
        preheader=f"{about}: {silence_words(longest.silence)}",
        groups=(MessageGroup(f"Under your objective {escalation.objective_title}", items),),
        notes=("Their owners were reminded each week. The report shows each of these key results with how long it has been silent; none is hidden.",),
        footer=f"OKR Autopilot, for the owner of the objective {escalation.objective_title} at {company}. Sent once while the silence lasts.",
    )


def recipient(owner: str, address: str) -> str:
    """Whom a message goes to, as its To reads: ``people:``'s entry when it names the person or is the
    owner's name itself, else ``owner <address>`` (never ``Maria <Maria Lopez <maria@...>>``)."""
    name, _bare = parseaddr(address)
    return address if name or address == owner else f"{owner} <{address}>"


def build_owner_email(view: OwnerMessageView, settings: EmailSettings, recipient: str) -> EmailMessage:
    """multipart/alternative: the plain text, then the HTML; from ``email:``'s sender to one owner."""
    message = new_message(settings, view.subject, [recipient])
    message.set_content(owner_message_text(view))
    message.add_alternative(owner_message_html(view), subtype="html")
    return message


def _checkin_item(item: OwnedKeyResult) -> MessageItem:
    kr = item.status
    last = f"Last check-in {format_date(kr.checkin.day)}: {key_result_headline(kr)}" if kr.checkin is not None else "No check-in yet"
    return MessageItem(kr.title, status_badge(kr.status), (last, f"Objective: {item.objective_title}"), item.checkin_url, "Check in" if item.checkin_url else None)


def _action_item(item: OwnedAction, day: date) -> MessageItem:
    action = item.action
    still = action.status.value.replace("_", " ")
    lines = (f"Due {format_date(action.due)}, {_count(item.days_overdue, 'day')} overdue; still {still}", f"Objective: {item.objective_title}")
    return MessageItem(action.title, action_badge(action, day), lines)


def _key_result_item(item: OwnedKeyResult) -> MessageItem:
    kr = item.status
    lines = [sentence(key_result_headline(kr))]
    if kr.status_reason:
        lines.append(sentence(kr.status_reason))
    change = item.change
    if change is not None and change.week_delta is not None:
        lines.append(f"{format_delta(change.week_delta, kr.unit)} in the last 7 days")
    if change is not None and change.status_changed and change.previous_status is not None:
        lines.append(f"A week ago: {format_status(change.previous_status.value).lower()}")
    # Every KR links its console page (history, and for a manual one the check-in form).
    return MessageItem(kr.title, status_badge(kr.status), tuple(lines), item.checkin_url, "Open" if item.checkin_url else None)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"
