"""Reading ``okrs.yaml``: YAML with line numbers, the schema, then the cross-checks, every problem at once."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import ValidationError

from okrmodel.config.checks import cross_check, problems_from_pydantic
from okrmodel.config.document import Config
from okrmodel.config_errors import ConfigError, ConfigProblem
from okrmodel.yaml_source import MAX_CONFIG_BYTES, YamlDocument, file_too_large

__all__ = ["load_config", "parse_config"]


def load_config(path: str | os.PathLike[str], schema: type[Config]) -> Config:
    """Read, validate and cross-check a config file against ``schema`` (see ``config_model``);
    raise ConfigError listing every problem."""
    path = Path(path)
    return parse_config(_read_text(path), schema, name=str(path), base_dir=path.resolve().parent)


def _read_text(path: Path) -> str:
    """The file's text, refused past ``MAX_CONFIG_BYTES`` without reading the rest (a wrong
    file, or a device that never ends, such as ``-c /dev/zero``)."""
    try:
        with path.open("rb") as file:
            if os.fstat(file.fileno()).st_size > MAX_CONFIG_BYTES:
                raise ConfigError(str(path), [file_too_large(os.fstat(file.fileno()).st_size)])
            raw = file.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(str(path), [ConfigProblem((), "file not found; pass -c PATH or set OKR_CONFIG")]) from None
    except OSError as error:
        raise ConfigError(str(path), [ConfigProblem((), f"cannot read the file: {error.strerror or error}")]) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(str(path), [file_too_large(len(raw))])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        problem = ConfigProblem((), f"not UTF-8 text: byte 0x{raw[error.start]:02x} cannot be read; save the file as UTF-8", line)
        raise ConfigError(str(path), [problem]) from None


def parse_config(text: str, schema: type[Config], name: str = "okrs.yaml", base_dir: Path | None = None) -> Config:
    """Validate config text against ``schema``; ``name`` prefixes every error message."""
    document = YamlDocument.parse(text, name)  # within the limits on size, depth and aliases
    if not isinstance(document.data, dict):
        raise ConfigError(name, [ConfigProblem((), "the file must be a mapping with company, period, metrics and objectives")])
    try:
        config = schema.model_validate({**document.data, "base_dir": base_dir or Path("."), "file_name": name})
    except ValidationError as error:
        raise ConfigError(name, problems_from_pydantic(error, schema, document.data, document)) from None
    config._document = document
    problems = [problem.with_line(document.line_of(problem.location)) for problem in cross_check(config)]
    if problems:
        raise ConfigError(name, problems)
    return config
