"""Settings: defaults, clinic profile (TOML/YAML), CHATBOT_* variables, flags; bad values name the key."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from chatbot.config import DEFAULT_DISCLAIMER, Settings, load_settings, setting_docs
from chatbot.errors import ConfigError


def test_defaults() -> None:
    settings = load_settings(env={})
    assert settings == Settings()
    assert settings.top_k == 3
    assert settings.disclaimer == DEFAULT_DISCLAIMER
    assert settings.corpus is None
    assert (settings.bm25_k1, settings.bm25_b, settings.bm25_delta) == (1.2, 0.75, 1.0)
    assert settings.host == "127.0.0.1"


def test_every_setting_has_help_text_and_a_shown_default() -> None:
    docs = setting_docs()
    assert [name for name, _default, _help in docs] == [f.name for f in fields(Settings)]
    for name, default, help_text in docs:
        assert help_text.strip().endswith((".", ")")), name
        assert default, name


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("clinic.toml", 'clinic_name = "Riverside"\ntop_k = 5\nallowed_origins = ["https://riverside.example"]\n'),
        ("clinic.yaml", "clinic_name: Riverside\ntop-k: 5\nallowed_origins:\n  - https://riverside.example\n"),
        ("clinic.yml", "clinic_name: Riverside\ntop_k: '5'\nallowed_origins: https://riverside.example\n"),
    ],
)
def test_clinic_profile_toml_or_yaml(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    settings = load_settings(config_path=path, env={})
    assert settings.clinic_name == "Riverside"
    assert settings.top_k == 5
    assert settings.allowed_origins == ("https://riverside.example",)


def test_profile_from_environment_variable(tmp_path: Path) -> None:
    path = tmp_path / "clinic.toml"
    path.write_text("top_k = 7\n", encoding="utf-8")
    assert load_settings(env={"CHATBOT_CONFIG": str(path)}).top_k == 7


def test_load_order_defaults_profile_environment_flags(tmp_path: Path) -> None:
    path = tmp_path / "clinic.toml"
    path.write_text('top_k = 5\nclinic_name = "From profile"\nport = 9000\n', encoding="utf-8")
    env = {"CHATBOT_TOP_K": "6", "CHATBOT_PORT": "9100"}
    settings = load_settings(config_path=path, env=env, overrides={"top_k": 8, "port": None})
    assert settings.clinic_name == "From profile"  # profile over default
    assert settings.port == 9100  # environment over profile; a flag left unset (None) changes nothing
    assert settings.top_k == 8  # flag over environment
    assert settings.min_relevance == Settings().min_relevance  # untouched default


@pytest.mark.parametrize(
    ("key", "raw", "value"),
    [
        ("top_k", "4", 4),
        ("bm25_b", "0.5", 0.5),
        ("log_messages", "yes", True),
        ("watch", "off", False),
        ("allowed_origins", "https://a.example, https://b.example", ("https://a.example", "https://b.example")),
        ("corpus", "docs", Path("docs")),
        ("rate_limit", "OFF", "off"),
        ("emergency_number", "112", "112"),
    ],
)
def test_environment_values_are_parsed(key: str, raw: str, value: Any) -> None:
    assert getattr(load_settings(env={f"CHATBOT_{key.upper()}": raw}), key) == value


BAD_VALUES = [
    ("top_k", 0, "minimum"),
    ("top_k", 21, "maximum"),
    ("top_k", "three", "whole number"),
    ("top_k", 2.5, "whole number"),
    ("top_k", True, "number"),
    ("bm25_k1", -1, "minimum"),
    ("bm25_b", 1.5, "maximum"),
    ("bm25_delta", "x", "number"),
    ("min_relevance", 2, "maximum"),
    ("port", 70000, "maximum"),
    ("workers", 0, "minimum"),
    ("emergency_number", "call 911", "telephone"),
    ("crisis_line", "", "telephone"),
    ("rate_limit", "lots", "rate limit"),
    ("rate_limit_storage", "postgres://db", "storage URL"),
    ("allowed_origins", ["ftp://files.example"], "origin"),
    ("allowed_origins", [1, 2], "list of strings"),
    ("disclaimer", "   ", "cannot be empty"),
    ("log_messages", "maybe", "true or false"),
    ("corpus", "", "path"),
    ("clinic_name", ["a"], "text"),
    ("no_such_setting", 1, "unknown setting"),
]


@pytest.mark.parametrize(("key", "value", "reason"), BAD_VALUES)
def test_bad_values_name_the_key(key: str, value: Any, reason: str) -> None:
    with pytest.raises(ConfigError, match=reason) as caught:
        load_settings(env={}, overrides={key: value})
    assert caught.value.key == key
    assert repr(key) in str(caught.value)


@pytest.mark.parametrize(("key", "value", "reason"), [row for row in BAD_VALUES if isinstance(row[1], (str, int))])
def test_bad_values_in_a_profile_name_the_key_and_the_file(tmp_path: Path, key: str, value: Any, reason: str) -> None:
    path = tmp_path / "clinic.yaml"
    path.write_text(f"{key}: {value!r}\n" if isinstance(value, str) else f"{key}: {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=reason) as caught:
        load_settings(config_path=path, env={})
    assert caught.value.key == key
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    ("env", "key", "reason"),
    [
        ({"CHATBOT_TOP_K": "lots"}, "top_k", "whole number"),
        ({"CHATBOT_PORT": "-1"}, "port", "minimum"),
        ({"CHATBOT_WATCH": "sometimes"}, "watch", "true or false"),
        ({"CHATBOT_TOPK": "3"}, "topk", "unknown environment variable CHATBOT_TOPK"),
    ],
)
def test_bad_environment_values_name_the_key_and_variable(env: dict[str, str], key: str, reason: str) -> None:
    with pytest.raises(ConfigError, match=reason) as caught:
        load_settings(env=env)
    assert caught.value.key == key
    assert caught.value.source in {next(iter(env)), "environment"}


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("clinic.toml", "top_k = \n", "not valid TOML"),
        ("clinic.yaml", "top_k: [1,\n", "not valid YAML"),
        ("clinic.yaml", "- top_k\n", "key = value"),
        ("clinic.ini", "top_k=3\n", "must end in .toml, .yaml or .yml"),
        ("clinic.toml", b"\xff\xfe", "cannot read"),
    ],
)
def test_broken_profiles_are_config_errors(tmp_path: Path, name: str, content: str | bytes, reason: str) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=reason) as caught:
        load_settings(config_path=path, env={})
    assert caught.value.key == "config"


def test_a_missing_profile_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(config_path=tmp_path / "nope.toml", env={})


def test_an_empty_profile_means_defaults(tmp_path: Path) -> None:
    path = tmp_path / "clinic.yaml"
    path.write_text("# nothing set yet\n", encoding="utf-8")
    assert load_settings(config_path=path, env={}) == Settings()


def test_replace_validates_and_settings_are_frozen() -> None:
    settings = Settings()
    assert settings.replace(top_k=5).top_k == 5
    with pytest.raises(ConfigError, match="top_k"):
        settings.replace(top_k=0)
    with pytest.raises(AttributeError):
        settings.top_k = 5  # type: ignore[misc]


def test_nothing_reads_the_environment_implicitly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATBOT_TOP_K", "9")
    assert Settings().top_k == 3
    assert load_settings().top_k == 3  # the environment is passed in, never read behind the caller's back
    assert load_settings(env={"CHATBOT_TOP_K": "9"}).top_k == 9
