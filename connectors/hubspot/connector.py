"""The HubSpot connector: each metric kind mapped onto the cheapest API reads."""

from __future__ import annotations

from datetime import date

from pydantic import SecretStr
from urllib3.util.retry import Retry

from connectors.base import MetricReading
from connectors.errors import SourceConfigurationError
from connectors.hubspot.client import HubSpotClient, SearchFilter
from connectors.hubspot.daily_series import count_matching, daily_series
from connectors.hubspot.emails import emails_sent_series
from connectors.hubspot.values import filter_value
from okrmodel.config import (
    ContactsCreated,
    ContactsEnteredStage,
    ContactsInStage,
    DealsCreated,
    HubSpotSource,
    MarketingEmailsSent,
    MetricSpec,
)
from okrmodel.periods import Window

__all__ = ["HubSpotConnector", "where_filters"]


def where_filters(where: dict) -> list[SearchFilter]:
    """Config ``where:`` as search filters: a value means EQ, a list means IN."""
    filters: list[SearchFilter] = []
    for name, wanted in where.items():
        if isinstance(wanted, list):
            filters.append({"propertyName": name, "operator": "IN", "values": [filter_value(v) for v in wanted]})
        else:
            filters.append({"propertyName": name, "operator": "EQ", "value": filter_value(wanted)})
    return filters


class HubSpotConnector:
    """Reads marketing metrics from one HubSpot portal through ``hubspot-api-client``."""

    def __init__(self, source_name: str, source: HubSpotSource, token: SecretStr | None = None, retry: Retry | None = None):
        token = token or source.token()
        if token is None:
            raise SourceConfigurationError(source_name, f"environment variable {source.token_env} is not set; it must hold a private-app token")
        self.client = HubSpotClient(source_name, source, token, retry=retry)

    def read(self, name: str, spec: MetricSpec, window: Window, as_of: date) -> MetricReading:
        client = self.client.fork()
        return MetricReading(metric=name, values=self._read_values(client, spec, window, as_of), api_calls=client.calls)

    @staticmethod
    def _read_values(client: HubSpotClient, spec: MetricSpec, window: Window, as_of: date) -> dict[date, float]:
        match spec:
            case ContactsEnteredStage():
                return daily_series(client, "contacts", f"hs_v2_date_entered_{spec.stage}", where_filters(spec.where), window)
            case ContactsCreated():
                return daily_series(client, "contacts", "createdate", where_filters(spec.where), window)
            case ContactsInStage():
                stage = {"propertyName": "lifecyclestage", "operator": "EQ", "value": spec.stage}
                return {as_of: float(count_matching(client, "contacts", [stage, *where_filters(spec.where)]))}
            case DealsCreated():
                return daily_series(client, "deals", "createdate", where_filters(spec.where), window, sum_property=spec.sum)
            case MarketingEmailsSent():
                return emails_sent_series(client, window, name_contains=spec.name_contains, statistic=spec.sum)
        raise SourceConfigurationError(client.source_name, f"metric kind {spec.kind!r} is not read from HubSpot")

    def close(self) -> None:
        """Nothing to release: the SDK's pools close with the process."""
