"""The clinic profile file (TOML or YAML) read into raw setting values.

:func:`chatbot.config.load_settings` validates what comes back, like every other source
of settings; this module only reads the file and names the file in its errors.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from chatbot.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["read_profile"]


def read_profile(path: Path) -> dict[str, Any]:
    """Read a clinic profile (TOML or YAML) into raw values."""
    source = str(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("config", f"the clinic profile {path} does not exist", source=source) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError("config", f"cannot read the clinic profile {path}: {exc}", source=source) from None
    data: Any
    if path.suffix.lower() == ".toml":
        try:
            data = tomllib.loads(raw)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError("config", f"{path} is not valid TOML: {exc}", source=source) from None
    elif path.suffix.lower() in {".yaml", ".yml"}:
        try:
            data = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise ConfigError("config", f"{path} is not valid YAML: {exc}", source=source) from None
    else:
        raise ConfigError("config", f"{path}: a clinic profile must end in .toml, .yaml or .yml", source=source)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError("config", f"{path} must hold key = value settings at the top level", source=source)
    return {str(key).replace("-", "_"): value for key, value in data.items()}
