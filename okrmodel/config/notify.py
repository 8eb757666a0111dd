"""``notify:``: the chat channels that get the digest after each sync (Slack, Microsoft Teams).

Each destination names the environment variable holding its webhook URL, never the URL: a
webhook URL is a credential (whoever has it can post to the channel), so it stays out of the
file, the database, logs and messages, like the SMTP password and the source tokens.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, Field, PlainSerializer, PlainValidator, SecretStr, SerializationInfo, field_validator, model_validator

from okrmodel.config.base import Seconds, StrictModel, secret_from_environment
from okrmodel.config_errors import did_you_mean

__all__ = ["NOTIFY_TYPES", "NotifyDestination", "NotifyDestinations", "SlackDestination", "TeamsDestination"]

_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class _WebhookDestination(StrictModel):
    """What every destination has: the variable holding its webhook URL, and how long to wait for it."""

    platform: ClassVar[str] = ""
    example_variable: ClassVar[str] = "OKR_WEBHOOK"

    webhook_env: str | None = None
    """The environment variable holding the webhook URL (the URL itself is a secret)."""
    webhook_block: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]*$")
    """Or the name of a Prefect Secret block holding it (``prefect block create secret``), for workers
    whose environment the deployment does not set; read when the digest is posted."""
    timeout_seconds: Annotated[Seconds, Field(le=120)] = 10.0

    @model_validator(mode="after")
    def _one_place_for_the_url(self) -> _WebhookDestination:
        if (self.webhook_env is None) == (self.webhook_block is None):
            raise ValueError(
                f"give exactly one of webhook_env (an environment variable, such as {self.example_variable}) "
                "or webhook_block (a Prefect Secret block's name) for the webhook URL"
            )
        return self

    @field_validator("webhook_env")
    @classmethod
    def _variable_name(cls, value: str | None) -> str | None:
        if value is None:
            return value
        # The value is never quoted back: the commonest mistake is pasting the URL itself here.
        if "://" in value or "/" in value:
            raise ValueError(
                f"webhook_env names the environment variable that holds the webhook URL, not the URL: the URL is a secret; "
                f"export it (say as {cls.example_variable}) and write webhook_env: {cls.example_variable}"
            )
        if not _VARIABLE.fullmatch(value):
            raise ValueError(f"webhook_env must be an environment variable name (letters, digits and underscores), such as {cls.example_variable}")
        return value

    @property
    def where(self) -> str:
        """``$SLACK_OKR_WEBHOOK`` or ``Secret block 'okr-slack'``: where the URL is kept, never the URL."""
        return f"${self.webhook_env}" if self.webhook_env else f"Secret block {self.webhook_block!r}"

    @property
    def label(self) -> str:
        """``Slack ($SLACK_OKR_WEBHOOK)``: the destination in messages, without its secret."""
        return f"{self.platform} ({self.where})"

    def webhook_url(self, environ: dict[str, str] | None = None, blocks: Mapping[str, SecretStr] | None = None) -> SecretStr | None:
        """The webhook URL from ``webhook_env``, or from ``blocks`` (Secret blocks read by the
        caller: this package has no Prefect) for ``webhook_block``; None when unset or blank."""
        if self.webhook_block is not None:
            return (blocks or {}).get(self.webhook_block)
        return secret_from_environment(self.webhook_env or "", environ)


class SlackDestination(_WebhookDestination):
    """A Slack incoming webhook (an app with Incoming Webhooks, one channel per URL): Block Kit."""

    platform: ClassVar[str] = "Slack"
    example_variable: ClassVar[str] = "SLACK_OKR_WEBHOOK"
    type: Literal["slack"]


class TeamsDestination(_WebhookDestination):
    """A Microsoft Teams Workflows webhook ("Post to a channel when a webhook request is received"): an Adaptive Card."""

    platform: ClassVar[str] = "Teams"
    example_variable: ClassVar[str] = "TEAMS_OKR_WEBHOOK"
    type: Literal["teams"]


_BY_TYPE: dict[str, type[_WebhookDestination]] = {"slack": SlackDestination, "teams": TeamsDestination}
NOTIFY_TYPES = tuple(_BY_TYPE)


def _by_type(value: Any) -> SlackDestination | TeamsDestination:
    """A destination told apart by ``type``. Dispatched here rather than by pydantic's tagged union,
    which would put the tag into every error's location (``notify[0].slack.webhook_env``) where the
    file has none, and whose unknown-tag message the schema's wording reserves for sources."""
    if isinstance(value, SlackDestination | TeamsDestination):
        return value
    if not isinstance(value, dict):
        raise ValueError(f"a destination is a mapping such as {{type: slack, webhook_env: {SlackDestination.example_variable}}}")
    kind = value.get("type")
    if kind is None:
        raise ValueError(f"required key type is missing; expected one of {', '.join(NOTIFY_TYPES)}")
    model = _BY_TYPE.get(kind) if isinstance(kind, str) else None
    if model is None:
        tag = str(kind)
        raise ValueError(f"unknown type {tag!r}{did_you_mean(tag, NOTIFY_TYPES)}; expected one of {', '.join(NOTIFY_TYPES)}")
    return model.model_validate(value)  # its errors keep their place: notify[0].webhook_env


def _distinct(destinations: list[SlackDestination | TeamsDestination]) -> list[SlackDestination | TeamsDestination]:
    seen: dict[str, int] = {}
    for index, destination in enumerate(destinations):
        if destination.where in seen:
            raise ValueError(
                f"notify[{seen[destination.where]}] and notify[{index}] both post to {destination.where}: "
                "the channel would get every digest twice"
            )
        seen[destination.where] = index
    return destinations


def _dump(destination: _WebhookDestination, info: SerializationInfo) -> dict[str, Any]:
    # Only where the URL is kept: the unused one of webhook_env / webhook_block is left out.
    return destination.model_dump(mode=info.mode, exclude_none=True)


NotifyDestination = Annotated[
    SlackDestination | TeamsDestination,
    PlainValidator(_by_type, json_schema_input_type=SlackDestination | TeamsDestination),
    PlainSerializer(_dump),  # the plain validator's own serializer would expect a dict
]
"""One ``notify:`` entry: ``{type: slack, webhook_env: ...}`` or ``{type: teams, webhook_env: ...}``."""
NotifyDestinations = Annotated[list[NotifyDestination], AfterValidator(_distinct)]
