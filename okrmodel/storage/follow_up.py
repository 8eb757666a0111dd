"""What keeps owners accountable, kept beside the numbers: their word on actions, the reminders
and escalations mailed to them, and the sign-in links they followed.

A mixin of ``Store`` (one concern per module; the Store's sessions are shared). Like check-ins,
nothing here is changed once written; the unique keys make "once" hold when two processes race.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from okrmodel.config.objectives import ActionStatus
from okrmodel.storage.models import ActionUpdate, ReminderDelivery, SignInLinkUse
from okrmodel.storage.sessions import Sessions

__all__ = ["REMINDER_KINDS", "FollowUpRecords"]

REMINDER_KINDS = ("reminder", "escalation")


def _now(at: datetime | None) -> datetime:
    return at if at is not None else datetime.now(UTC)


class FollowUpRecords:
    """Action updates, reminder deliveries and used sign-in links (``Store`` has these methods)."""

    _sessions: Sessions

    # --- action updates ----------------------------------------------------

    def record_action_update(
        self, action_id: str, status: ActionStatus | str, author: str, note: str | None = None, *, at: datetime | None = None
    ) -> ActionUpdate:
        """Append an update of action ``action_id`` (``Objective.action_id``) by ``author``, made
        ``at`` (default now); ValueError for a status that is no ``ActionStatus``."""
        update = ActionUpdate(action_id=action_id, status=ActionStatus(status).value, author=author, note=note, created_at=_now(at))
        with self._sessions.begin() as session:
            session.add(update)
        return update

    def action_updates(self, action_id: str | None = None) -> list[ActionUpdate]:
        """Every update (of one action), in the order they were made."""
        query = select(ActionUpdate)
        if action_id is not None:
            query = query.where(ActionUpdate.action_id == action_id)
        with self._sessions() as session:
            return list(session.scalars(query.order_by(ActionUpdate.created_at, ActionUpdate.id)))

    def action_statuses(self, until: datetime | None = None) -> dict[str, ActionUpdate]:
        """The newest update of each action that has one (made ``until`` or earlier): its status wins over the file's."""
        query = select(ActionUpdate)
        if until is not None:
            query = query.where(ActionUpdate.created_at <= until)
        newest: dict[str, ActionUpdate] = {}
        with self._sessions() as session:
            for update in session.scalars(query.order_by(ActionUpdate.created_at, ActionUpdate.id)):
                newest[update.action_id] = update
        return newest

    # --- reminders and escalations ---------------------------------------------

    def record_reminder_delivery(
        self,
        owner: str,
        reminder_day: date,
        kind: str,
        contents: dict[str, Any],
        *,
        objective: str = "",
        sent_at: datetime | None = None,
    ) -> bool:
        """Record that ``kind`` (reminder or escalation) of ``reminder_day`` went to ``owner``; True
        when it is new, False when it was recorded already (by an earlier run or a racing one)."""
        if kind not in REMINDER_KINDS:
            raise ValueError(f"kind must be one of {', '.join(REMINDER_KINDS)}, not {kind!r}")
        delivery = ReminderDelivery(
            owner=owner, reminder_day=reminder_day, kind=kind, objective=objective, contents=contents, sent_at=_now(sent_at)
        )
        try:
            with self._sessions.begin() as session:
                session.add(delivery)
        except IntegrityError:
            return False
        return True

    def reminder_sent(self, owner: str, reminder_day: date, kind: str, *, objective: str = "") -> bool:
        """Whether ``kind`` of ``reminder_day`` (about ``objective``, for an escalation) went to ``owner`` already."""
        query = select(func.count()).select_from(ReminderDelivery).where(
            ReminderDelivery.owner == owner,
            ReminderDelivery.reminder_day == reminder_day,
            ReminderDelivery.kind == kind,
            ReminderDelivery.objective == objective,
        )
        with self._sessions() as session:
            return bool(session.scalar(query))

    def reminder_deliveries(self, *, kind: str | None = None, before: date | None = None) -> list[ReminderDelivery]:
        """The deliveries recorded (of ``kind``; for days before ``before``), by day, then as sent."""
        query = select(ReminderDelivery)
        if kind is not None:
            query = query.where(ReminderDelivery.kind == kind)
        if before is not None:
            query = query.where(ReminderDelivery.reminder_day < before)
        with self._sessions() as session:
            return list(session.scalars(query.order_by(ReminderDelivery.reminder_day, ReminderDelivery.sent_at, ReminderDelivery.id)))

    # --- sign-in links ---------------------------------------------------------

    def use_sign_in_link(self, nonce: str, used_at: datetime | None = None) -> bool:
        """Spend a sign-in link's ``nonce``: True the first time, False ever after (whoever raced
        to follow it first, in any process, is the only one signed in)."""
        try:
            with self._sessions.begin() as session:
                session.add(SignInLinkUse(nonce=nonce, used_at=_now(used_at)))
        except IntegrityError:
            return False
        return True
