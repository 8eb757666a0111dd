"""The ``okrs.yaml`` schema: company, sources, metrics, objectives, key results, actions.

Validation is pydantic's, in two passes: the shape of each entry, then the
references between entries (a key result's metric, a metric's source, unique
ids). Both passes report every problem they find, each with its location in
the file, so a user fixes a file in one round instead of one error at a time.

Sources and metric kinds are not listed here: each source's package in
``connectors`` defines its settings and kinds, and ``config_model`` assembles
the schema from that registry (``connectors.load_config`` reads a file with it).
"""

from okrmodel.config.alerts import AlertRoute, AlertSettings, salvage_alert_route
from okrmodel.config.base import (
    LARGEST_AMOUNT,
    Amount,
    Day,
    DimensionFilters,
    EnvironmentVariable,
    Identifier,
    LocalTime,
    LookBackDays,
    MetricNature,
    MetricSettings,
    Name,
    Number,
    PropertyCondition,
    ScalarValue,
    Seconds,
    SecretBlockName,
    SecretPlace,
    SourceSettings,
    StrictModel,
    WebApiSettings,
    WhereFilters,
    WholeNumber,
    check_dimension_filters,
    http_base_url,
    one_secret_place,
    secret_from_environment,
)
from okrmodel.config.document import DATABASE_URL_ENV, DEFAULT_DATABASE_URL, Config, SourceSchema, config_model
from okrmodel.config.email import EmailAddress, EmailSettings
from okrmodel.config.loading import load_config, parse_config
from okrmodel.config.notify import NotifyDestination, NotifyDestinations, SlackDestination, TeamsDestination
from okrmodel.config.objectives import Action, ActionStatus, CheckinCadence, KeyResult, Objective, Thresholds
from okrmodel.config.people import DEFAULT_ADMIN_TOKEN_ENV, ConsoleSettings, People, ReminderSettings, Weekday
from okrmodel.config_errors import ConfigError, ConfigProblem

__all__ = [
    "DATABASE_URL_ENV",
    "DEFAULT_ADMIN_TOKEN_ENV",
    "DEFAULT_DATABASE_URL",
    "LARGEST_AMOUNT",
    "Action",
    "ActionStatus",
    "AlertRoute",
    "AlertSettings",
    "Amount",
    "CheckinCadence",
    "Config",
    "ConfigError",
    "ConfigProblem",
    "ConsoleSettings",
    "Day",
    "DimensionFilters",
    "EmailAddress",
    "EmailSettings",
    "EnvironmentVariable",
    "Identifier",
    "KeyResult",
    "LocalTime",
    "LookBackDays",
    "MetricNature",
    "MetricSettings",
    "Name",
    "NotifyDestination",
    "NotifyDestinations",
    "Number",
    "Objective",
    "People",
    "PropertyCondition",
    "ReminderSettings",
    "ScalarValue",
    "SecretBlockName",
    "SecretPlace",
    "Seconds",
    "SlackDestination",
    "SourceSchema",
    "SourceSettings",
    "StrictModel",
    "TeamsDestination",
    "Thresholds",
    "WebApiSettings",
    "Weekday",
    "WhereFilters",
    "WholeNumber",
    "check_dimension_filters",
    "config_model",
    "http_base_url",
    "load_config",
    "one_secret_place",
    "parse_config",
    "salvage_alert_route",
    "secret_from_environment",
]
