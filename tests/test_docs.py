"""The docs stay complete: every setting documented, the quick start runs as written."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

from click.testing import CliRunner

from chatbot.cli import main
from chatbot.config import setting_docs

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def readme_section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.MULTILINE | re.DOTALL)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def console_commands(text: str) -> list[str]:
    blocks = re.findall(r"```console\n(.*?)```", text, re.DOTALL)
    return [line[2:].strip() for block in blocks for line in block.splitlines() if line.startswith("$ ")]


def test_readme_configuration_documents_every_setting() -> None:
    section = readme_section("Configuration")
    missing = [
        name
        for name, _default, _help in setting_docs()
        if f"`{name}`" not in section and f"CHATBOT_{name.upper()}" not in section
    ]
    assert not missing, f"README 'Configuration' does not document: {', '.join(missing)}"


def test_quick_start_is_two_commands_install_and_run_then_install_and_test() -> None:
    commands = console_commands(readme_section("Quick start"))
    assert len(commands) == 2, commands
    run, test = commands
    # a virtual environment first: Debian's Python refuses a system-wide pip install
    assert run.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install ") and " && chatbot " in run
    assert test.startswith("pip install ") and "[test]" in test and "pytest" in test


def test_quick_start_chatbot_command_exists_and_runs() -> None:
    run = console_commands(readme_section("Quick start"))[0]
    assert PYPROJECT["project"]["scripts"]["chatbot"] == "chatbot.cli:main"
    args = shlex.split(run.rsplit("&&", 1)[1])
    assert args[0] == "chatbot"
    assert args[1] in main.commands  # type: ignore[attr-defined]
    runner = CliRunner()
    if args[1] == "ask":
        result = runner.invoke(main, args[1:], catch_exceptions=False)
        assert result.exit_code == 0
        assert "Sources:" in result.output
    else:  # a server command: its help must work (starting it is the browser suite's job)
        assert runner.invoke(main, [args[1], "--help"]).exit_code == 0


def test_ci_runs_exactly_the_readme_test_command() -> None:
    test = console_commands(readme_section("Quick start"))[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test in ci.splitlines()
    assert "test" in PYPROJECT["project"]["optional-dependencies"]


def test_every_runtime_dependency_is_explained_in_the_readme() -> None:
    table = readme_section("Dependencies").lower()
    for requirement in PYPROJECT["project"]["dependencies"]:
        name = re.split(r"[<>=;\[ ]", requirement, maxsplit=1)[0].lower()
        assert f"| {name}" in table or f"| {name.replace('-', '_')}" in table, name


def test_performance_section_links_to_the_benchmark_figures() -> None:
    section = readme_section("Performance")
    assert "docs/performance.md" in section
    figures = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
    assert "python benchmarks/retrieval.py" in figures
    assert "100,000 passages" in figures


def test_the_readme_api_example_is_what_the_server_returns() -> None:
    """The API example's fields and values are the program's (passage texts and '...' shortened)."""
    import json

    from chatbot.api.app import create_app

    section = readme_section("API")
    message = json.loads(re.search(r"-d '(\{.*?\})'", section).group(1))["message"]  # type: ignore[union-attr]
    example = json.loads(re.search(r"```json\n(.*?)```", section, re.DOTALL).group(1))  # type: ignore[union-attr]
    actual = create_app().test_client().post("/api/chat", json={"message": message}).get_json()
    assert list(example) == list(actual), "the same fields in the same order"

    def check(shown: object, real: object, where: str) -> None:
        if where == "reply.context":  # signed with this installation's key: only its form is the same
            assert isinstance(shown, str) and isinstance(real, str) and shown.split(".")[:2] == real.split(".")[:2]
        elif shown == "..." or (isinstance(shown, str) and shown.endswith("...") and isinstance(real, str)):
            assert isinstance(shown, str) and real.startswith(shown[:-3].rstrip(". ")), where  # type: ignore[union-attr]
        elif isinstance(shown, dict):
            assert isinstance(real, dict), where
            for key, value in shown.items():
                if key != "...":
                    assert key in real, f"{where}.{key} is not in the server's reply"
                    check(value, real[key], f"{where}.{key}")
        elif isinstance(shown, list):
            assert isinstance(real, list) and len(shown) <= len(real), where
            for i, value in enumerate(shown):
                check(value, real[i], f"{where}[{i}]")
        else:
            assert shown == real, f"{where}: the README shows {shown!r}, the server returns {real!r}"

    check(example, actual, "reply")
    assert len(example["passages"]) == len(actual["passages"])


def test_the_readme_lists_the_addresses_chatbot_serve_prints() -> None:
    block = re.search(r"```text\n(.*?)```", readme_section("Quick start"), re.DOTALL)
    assert block, "the Quick start shows what chatbot serve prints"
    source = (ROOT / "chatbot" / "cli.py").read_text(encoding="utf-8")
    for line in block.group(1).splitlines():
        label, url = line.split("http://127.0.0.1:8000")
        assert f'f"{label}{{where}}{url}' in source, line
