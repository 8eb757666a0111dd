"""The secrets a console needs per company, read once when it starts: the ops token and the SMTP
password, from their environment variables or Prefect Secret blocks. Never logged or shown."""

from __future__ import annotations

import os
from dataclasses import dataclass

from pydantic import SecretStr

from okrmodel.config import Config

__all__ = ["Credentials", "read_credentials"]


@dataclass(frozen=True)
class Credentials:
    admin_token: SecretStr | None
    """None: ops cannot sign in to this company (no ``console:``, or its variable is unset)."""
    smtp_password: SecretStr | None
    problems: tuple[str, ...] = ()
    """Why a block could not be read (one line each, no value), for the console's start-up output."""


def read_credentials(config: Config) -> Credentials:
    blocks = [block for block in (config.console and config.console.admin_token_block, config.email and config.email.password_block) if block]
    values, problems = {}, {}
    if blocks:
        # Only a config naming Secret blocks needs Prefect's API; the variables are read without it.
        from flows.secret_blocks import config_secrets

        secrets = config_secrets(config, only=blocks)
        values, problems = secrets.values, secrets.problems
    token = config.console.admin_token(os.environ, values) if config.console else None
    password = config.email.password(os.environ, values) if config.email else None
    return Credentials(admin_token=token, smtp_password=password, problems=tuple(f"{config.file_name}: {problem}" for problem in problems.values()))
