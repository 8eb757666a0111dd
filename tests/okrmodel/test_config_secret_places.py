"""Where a config keeps each credential: an environment variable or a Prefect Secret block, exactly
one per credential, the variable by default; and every block the file names, for the wiring layer."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from connectors import parse_config
from okrmodel.config import ConfigError, SecretPlace

HEAD = "company: Acme\nperiod: 2026-Q4\n"


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(HEAD + text)
    return [problem.render("okrs.yaml") for problem in caught.value.problems]


@pytest.mark.parametrize(
    ("source", "variable_key", "block_key", "default"),
    [
        ("{type: hubspot}", "token_env", "token_block", "HUBSPOT_TOKEN"),
        ("{type: plausible, site_id: acme.example}", "token_env", "token_block", "PLAUSIBLE_TOKEN"),
        ("{type: ga4, property_id: 123}", "credentials_env", "credentials_block", "GA4_CREDENTIALS_JSON"),
    ],
)
def test_a_source_keeps_its_credential_in_a_variable_or_a_block(source, variable_key, block_key, default):
    plain = parse_config(HEAD + f"sources:\n  web: {source}\n").sources["web"]
    [place] = plain.secret_places
    assert place == SecretPlace(default, None, block_key) and place.name == default
    assert place.value({default: " key\n"}) == SecretStr("key") and place.value({}) is None

    kept = parse_config(HEAD + f"sources:\n  web: {source[:-1]}, {block_key}: acme-web-key}}\n").sources["web"]
    [place] = kept.secret_places
    assert (getattr(kept, variable_key), place.block, place.name) == (None, "acme-web-key", "Prefect Secret block 'acme-web-key'")
    assert place.value({default: "from the environment"}, {"acme-web-key": SecretStr("from the block")}) == SecretStr("from the block")
    assert place.value({default: "from the environment"}, {}) is None  # a block not read is no credential
    assert place.missing("a key") == "Prefect Secret block 'acme-web-key' was not read; it must hold a key"

    [both] = problems(f"sources:\n  web: {source[:-1]}, {block_key}: acme-web-key, {variable_key}: {default}}}\n")
    assert both == (
        f"okrs.yaml: sources.web: give {variable_key} (an environment variable) or {block_key} (a Prefect Secret block), "
        "not both: the credential is kept in one place (line 4)"
    )
    [neither] = problems(f"sources:\n  web: {source[:-1]}, {variable_key}: null}}\n")
    assert neither.startswith(f"okrs.yaml: sources.web: give {variable_key} (an environment variable) or {block_key} (a Prefect Secret block) for the ")


@pytest.mark.parametrize("name", ["Acme_Key", "pat-na1-1234 5678", "-leading-dash", "acme.key"])
def test_a_block_name_is_a_prefect_block_name_never_quoted_back(name):
    [problem] = problems(f"sources:\n  hubspot: {{type: hubspot, token_block: '{name}'}}\n")
    assert problem.startswith("okrs.yaml: sources.hubspot.token_block: must name a Prefect Secret block (lowercase letters, digits and dashes")
    assert name not in problem  # it may be the token pasted in the wrong place


EMAIL = "email:\n  smtp_host: mail.acme.example\n  username: reports\n  sender: r@acme.example\n  recipients: [c@acme.example]\n"


def test_the_smtp_password_is_in_a_variable_or_a_block():
    by_block = parse_config(HEAD + EMAIL + "  password_block: acme-smtp\n").email
    assert (by_block.password_env, by_block.password_place.name) == (None, "Prefect Secret block 'acme-smtp'")
    assert by_block.password(blocks={"acme-smtp": SecretStr("pw")}) == SecretStr("pw")
    assert parse_config(HEAD + EMAIL + "  password_env: SMTP_PASSWORD\n").email.password({"SMTP_PASSWORD": "pw"}) == SecretStr("pw")
    [both] = problems(EMAIL + "  password_env: SMTP_PASSWORD\n  password_block: acme-smtp\n")
    assert both.startswith("okrs.yaml: email: give password_env (an environment variable) or password_block (a Prefect Secret block), not both")
    [neither] = problems(EMAIL)
    assert neither.startswith("okrs.yaml: email: username needs password_env (the environment variable holding the SMTP password) or password_block")


def test_the_config_lists_every_block_it_names_at_its_first_place():
    config = parse_config(
        HEAD
        + "sources:\n  hubspot: {type: hubspot, token_block: acme-hubspot}\n  site: {type: plausible, site_id: a.example, token_block: acme-shared}\n"
        + "  ga4: {type: ga4, property_id: 1}\n"
        + EMAIL + "  password_block: acme-shared\n"
        + "notify:\n  - {type: slack, webhook_block: acme-slack}\n  - {type: teams, webhook_env: TEAMS_HOOK}\n"
    )
    assert config.secret_blocks() == {
        "acme-hubspot": ("sources", "hubspot", "token_block"),
        "acme-shared": ("sources", "site", "token_block"),
        "acme-slack": ("notify", 0, "webhook_block"),
    }
    assert parse_config(HEAD + "sources:\n  hubspot: {type: hubspot}\n").secret_blocks() == {}
