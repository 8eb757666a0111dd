"""``email:``: where the status report is mailed, and how."""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import parseaddr
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, SecretStr, field_validator, model_validator

from okrmodel.config.base import (
    EnvironmentVariable,
    Name,
    Seconds,
    SecretBlockName,
    SecretPlace,
    StrictModel,
    WholeNumber,
    one_secret_place,
)

__all__ = ["EmailAddress", "EmailSettings", "email_address"]
_SUBJECT_FIELDS = {"company": "Acme", "period": "2026-Q4", "as_of": "2026-11-27", "summary": "1 off track"}


class EmailSettings(StrictModel):
    """Where the status report is emailed after each sync; the SMTP password is read from
    the environment variable ``password_env`` or the Prefect Secret block ``password_block``,
    never from the file. Ops' alerts (``alerts:``) travel the same way."""

    smtp_host: Name
    smtp_port: Annotated[WholeNumber, Field(ge=1, le=65535)] = 587
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: Name | None = None
    password_env: EnvironmentVariable | None = None
    password_block: SecretBlockName | None = None
    """Or the Prefect Secret block holding the SMTP password."""
    sender: str
    recipients: list[str] = Field(min_length=1)
    subject: Name | None = None
    """A fixed subject with ``{company}``, ``{period}``, ``{as_of}``, ``{summary}``; by default the
    subject carries the signal: ``Acme Cloud OKRs, 1 Dec: 2 off track, 1 at risk, 1 stale``."""
    timeout_seconds: Seconds = 30.0
    allow_plaintext_login: bool = False
    """With ``security: none``, send the username and password unencrypted anyway (a trusted local relay only)."""

    @field_validator("sender")
    @classmethod
    def _sender_address(cls, value: str) -> str:
        return email_address(value)

    @field_validator("recipients")
    @classmethod
    def _recipient_addresses(cls, values: list[str]) -> list[str]:
        return [email_address(value) for value in values]

    @field_validator("subject")
    @classmethod
    def _known_placeholders(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            value.format(**_SUBJECT_FIELDS)
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(f"subject may use {{company}}, {{period}}, {{as_of}} and {{summary}} only ({error!r} is not one)") from None
        return value

    @model_validator(mode="before")
    @classmethod
    def _one_place_for_the_password(cls, data: Any) -> Any:
        return one_secret_place(data, "password_env", "password_block")

    @model_validator(mode="after")
    def _password_with_username(self) -> EmailSettings:
        if self.username and not (self.password_env or self.password_block):
            raise ValueError(
                "username needs password_env (the environment variable holding the SMTP password) or password_block (a Prefect Secret block holding it)"
            )
        if self.security == "none" and self.username and not self.allow_plaintext_login:
            raise ValueError(
                "security: none with a username would send the SMTP password unencrypted; use starttls or ssl, "
                "or set allow_plaintext_login: true for a trusted local relay"
            )
        return self

    @property
    def password_place(self) -> SecretPlace:
        return SecretPlace(self.password_env, self.password_block, "password_block")

    def password(self, environ: Mapping[str, str] | None = None, blocks: Mapping[str, SecretStr] | None = None) -> SecretStr | None:
        """The SMTP password from ``password_env`` (None when unset or empty) or from ``blocks`` for ``password_block``."""
        return self.password_place.value(environ, blocks)


def email_address(value: str) -> str:
    """``value`` when it is an address (``ops@acme.example``, ``Ops <ops@acme.example>``); ValueError otherwise."""
    _name, address = parseaddr(value)
    if "@" not in address or address.startswith("@") or address.endswith("@"):
        raise ValueError(f"{value!r} is not an email address")
    return value


EmailAddress = Annotated[str, AfterValidator(email_address)]
"""An address mail can be sent to: ``maria@acme.example`` or ``Maria Lopez <maria@acme.example>``."""
