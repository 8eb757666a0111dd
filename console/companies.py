"""The companies a console serves: each config with its store, opened once, and its URL slug."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path

from connectors import load_config
from console.credentials import Credentials, read_credentials
from okrmodel.config import Config, KeyResult
from okrmodel.storage import Store

__all__ = ["Company", "CompanyProblem", "open_companies", "slug_of"]


class CompanyProblem(Exception):
    """A config the console cannot serve beside the others (one located line)."""


def slug_of(company: str) -> str:
    """The company's name as it reads in a URL: ``Acme Cloud GmbH`` -> ``acme-cloud-gmbh``."""
    return re.sub(r"[^a-z0-9]+", "-", company.lower()).strip("-") or "okrs"


@dataclass
class Company:
    slug: str
    path: Path
    config: Config
    """Replaced when a mapping is written back into the file (``reload``)."""
    store: Store
    credentials: Credentials
    file_lock: threading.Lock = field(default_factory=threading.Lock)
    """One writer of the config file at a time."""

    def owner_names(self, email: str | None) -> set[str]:
        """The owner names ``people:`` gives this address (compared without regard to case). An entry
        with a display name (``Lee Park <lee@acme.example>``) is known by its address alone, as typed
        on the sign-in page."""
        if email is None:
            return set()
        wanted = parseaddr(email)[1].casefold()
        return {name for name, address in self.config.people.items() if wanted and parseaddr(address)[1].casefold() == wanted}

    def key_result(self, key_result_id: str) -> KeyResult | None:
        for objective in self.config.objectives:
            for key_result in objective.key_results:
                if key_result.id == key_result_id:
                    return key_result
        return None

    def owner_of(self, key_result_id: str) -> str | None:
        """Who is accountable for the KR: its own owner, else its objective's."""
        objective, key_result = self.config.key_result(key_result_id)
        return self.config.owner_of(objective, key_result)

    def reload(self) -> None:
        self.config = load_config(self.path)

    def close(self) -> None:
        self.store.close()


def open_companies(paths: Sequence[Path], open_store) -> list[Company]:
    """Each config loaded (``ConfigError`` as is) and its store opened by ``open_store(config)``;
    two configs of one company or one database are refused, as ``okr serve`` refuses them."""
    companies: list[Company] = []
    try:
        for path in paths:
            config = load_config(path)
            slug = slug_of(config.company)
            for other in companies:
                if other.slug == slug:
                    raise CompanyProblem(f"{path}: serves {config.company!r} like {other.path}; give each company its own name")
                if other.config.storage_url() == config.storage_url():
                    raise CompanyProblem(f"{path}: shares its database with {other.path}; give each company its own database_url (and leave OKR_DATABASE_URL unset)")
            companies.append(Company(slug=slug, path=path.resolve(), config=config, store=open_store(config), credentials=read_credentials(config)))
    except BaseException:
        for company in companies:
            company.close()
        raise
    return companies
