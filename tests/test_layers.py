"""Imports point one way: documents -> text -> retrieval -> triage / dialogue -> bot -> api / serve / evaluation -> cli.

A module may import from its own layer and the layers below it, never from a layer above
(function-level imports included). The base modules (errors, clinic, config, profile, forking)
sit below everything; ``from chatbot import __version__`` is allowed anywhere.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "chatbot"

#: Top-level module or package under chatbot/ -> its layer (higher imports lower).
LAYERS = {
    "errors": 0,
    "clinic": 0,
    "config": 0,
    "forking": 0,
    "profile": 0,
    "documents": 1,
    "text": 2,
    "retrieval": 3,
    "triage": 4,
    "dialogue": 4,
    "bot": 5,
    "api": 6,
    "serve": 6,
    "evaluation": 6,
    "terminal": 7,
    "cli": 7,
    "__main__": 7,
}


def _unit(module: str) -> str:
    """The layer unit of a dotted module name under chatbot ("chatbot.text.stem" -> "text")."""
    return module.split(".")[1]


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if len(parts) > 1:
            found.append((".".join(parts), path))
    return found


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, imported module, names) for every chatbot import in the file, at any depth."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("chatbot"):
            out.append((node.lineno, node.module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            out += [(node.lineno, alias.name, []) for alias in node.names if alias.name.startswith("chatbot")]
        elif isinstance(node, ast.ImportFrom) and node.level:
            out.append((node.lineno, "." * node.level + (node.module or ""), []))
    return out


MODULES = _modules()


def test_every_module_has_a_layer() -> None:
    assert {_unit(name) for name, _ in MODULES} <= set(LAYERS)


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[name for name, _ in MODULES])
def test_imports_point_down(module: str, path: Path) -> None:
    own = LAYERS[_unit(module)]
    wrong = []
    for line, target, names in _imports(path):
        if target.startswith("."):
            wrong.append(f"line {line}: relative import {target} (use chatbot.*)")
        elif target == "chatbot":
            if names != ["__version__"]:
                wrong.append(f"line {line}: from chatbot import {', '.join(names)} (import from the module)")
        elif LAYERS[_unit(target)] > own:
            wrong.append(f"line {line}: {target} is in layer {LAYERS[_unit(target)]}, above {module}'s {own}")
    assert not wrong, "\n".join(wrong)


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from chatbot.bot import Bot\n    return Bot\n", encoding="utf-8")
    assert _imports(bad) == [(2, "chatbot.bot", ["Bot"])]
    assert LAYERS[_unit("chatbot.bot")] > LAYERS[_unit("chatbot.retrieval.store")]
