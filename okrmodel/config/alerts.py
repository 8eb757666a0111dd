"""``alerts:``: who is told when a sync fails, and when it is back to normal."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, ValidationError, field_validator

from okrmodel.config.base import StrictModel
from okrmodel.config.email import EmailSettings, email_address
from okrmodel.config_errors import ConfigError
from okrmodel.yaml_source import YamlDocument

__all__ = ["AlertRoute", "AlertSettings", "salvage_alert_route"]


class AlertSettings(StrictModel):
    """Ops' addresses: one message per failed or partial run, and one all-clear after.

    Sent with the SMTP server, login and sender of ``email:`` (the file must have it), so an
    alert travels the same tested path as the report.
    """

    recipients: list[str] = Field(min_length=1)

    @field_validator("recipients")
    @classmethod
    def _recipient_addresses(cls, values: list[str]) -> list[str]:
        return [email_address(value) for value in values]


@dataclass(frozen=True)
class AlertRoute:
    """Whose alerts, and how they travel."""

    company: str
    email: EmailSettings
    alerts: AlertSettings


def salvage_alert_route(path: str | Path) -> AlertRoute | None:
    """The company, ``email:`` and ``alerts:`` of a config file that does not load as a whole,
    when those three are sound on their own: a file broken elsewhere (a key result's typo, a
    new source's unknown key) must still be able to tell ops that the sync cannot run."""
    try:
        data = YamlDocument.parse(Path(path).read_text(encoding="utf-8"), str(path)).data
    except (ConfigError, OSError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("company"), str) or not data["company"]:
        return None
    try:
        return AlertRoute(data["company"], EmailSettings.model_validate(data.get("email")), AlertSettings.model_validate(data.get("alerts")))
    except ValidationError:
        return None
