"""``people:``, ``reminders:`` and ``console:``: how owners are reached, when they are reminded,
and where the web console they check in on lives."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator, model_validator

from okrmodel.config.base import (
    EnvironmentVariable,
    LocalTime,
    Name,
    SecretBlockName,
    SecretPlace,
    StrictModel,
    WholeNumber,
    http_base_url,
    one_secret_place,
)
from okrmodel.config.email import EmailAddress

__all__ = ["DEFAULT_ADMIN_TOKEN_ENV", "ConsoleSettings", "People", "ReminderSettings", "Weekday"]

People = dict[Name, EmailAddress]
"""Each owner's name, exactly as ``owner:`` spells it on objectives, key results and actions,
and the address their reminders and sign-in links are mailed to."""

DEFAULT_ADMIN_TOKEN_ENV = "OKR_CONSOLE_TOKEN"


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

    @property
    def number(self) -> int:
        """Monday 0 to Sunday 6, as ``date.weekday()`` counts."""
        return list(Weekday).index(self)


class ReminderSettings(StrictModel):
    """When owners are reminded of what is due: once a week, on ``weekday`` from ``time`` on the
    company's clock (``timezone:``). Sent over ``email:``'s SMTP to the addresses in ``people:``.
    After ``escalate_after`` reminders in a row that asked for a KR's check-in in vain, its
    objective's owner is told."""

    weekday: Weekday = Weekday.MONDAY
    time: LocalTime = time(9, 0)
    escalate_after: Annotated[WholeNumber, Field(ge=1, le=52)] = 2
    """Missed reminders (weeks without a check-in that was asked for) before the objective's owner is told."""

    @field_validator("weekday", mode="before")
    @classmethod
    def _lowercase_day(cls, value: Any) -> Any:
        # "Monday" is as clear as "monday"; the enum's own message lists the names.
        return value.lower() if isinstance(value, str) else value


class ConsoleSettings(StrictModel):
    """The web console (``okr console``): ops sign in with the token held in the environment
    variable ``admin_token_env`` (default ``OKR_CONSOLE_TOKEN``) or the Prefect Secret block
    ``admin_token_block``, never written in the file; ``base_url`` is where owners reach it,
    for the links in reminders and sign-in emails."""

    admin_token_env: EnvironmentVariable | None = DEFAULT_ADMIN_TOKEN_ENV
    admin_token_block: SecretBlockName | None = None
    """Or the Prefect Secret block holding the ops token."""
    base_url: str

    @model_validator(mode="before")
    @classmethod
    def _one_place_for_the_token(cls, data: Any) -> Any:
        return one_secret_place(data, "admin_token_env", "admin_token_block")

    @model_validator(mode="after")
    def _a_place_for_the_token(self) -> ConsoleSettings:
        if self.admin_token_env is None and self.admin_token_block is None:
            raise ValueError("give admin_token_env (an environment variable) or admin_token_block (a Prefect Secret block) for the ops token")
        return self

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return http_base_url(value)

    @property
    def admin_token_place(self) -> SecretPlace:
        return SecretPlace(self.admin_token_env, self.admin_token_block, "admin_token_block")

    def admin_token(self, environ: Mapping[str, str] | None = None, blocks: Mapping[str, SecretStr] | None = None) -> SecretStr | None:
        """The ops token from ``admin_token_env`` (None when unset or blank) or from ``blocks`` for ``admin_token_block``."""
        return self.admin_token_place.value(environ, blocks)

    def key_result_url(self, key_result_id: str) -> str:
        """The console's page of a key result, with its check-in form."""
        return f"{self.base_url}/kr/{key_result_id}"
