"""Loading and validating the red-flag tables and the context rules (YAML, errors name file and line).

Two files share one format (``chatbot/data/red_flags.yaml`` for every clinic, and a
clinic's own ``red_flags.yaml`` beside its documents)::

    sources: [{id: nhs-999, title: ..., url: ...}]
    concepts:
      chest: [chest, breastbone]             # words or phrases, matched on stems
    flags:
      - name: heart_attack
        tier: emergency                      # emergency | urgent
        action: emergency_number             # emergency_number | crisis_line | clinic_today
        sources: [bhf-heart-attack]
        needs:                               # any one group is enough
          - all: [chest, chest_pain]         # every concept, affirmed, in one sentence
            within: 6                        # optional: at most this many words apart
          - phrase: [worst headache of my life]
          - all: [fever]
            with: [surgery]                  # optional: somewhere in the message too
            scope: message                   # optional: the concepts may be in different sentences
            present: true                    # optional: the sentence must say it is happening now
            unless: [botox]                  # optional: not when one of these is in the sentence

A clinic's table may add terms to a general concept (same name) and replace a general
flag (same name).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from chatbot.errors import CorpusError

__all__ = [
    "ACTIONS",
    "TIERS",
    "ContextRules",
    "CueRule",
    "FlagRule",
    "Group",
    "RedFlagTable",
    "TriageRulesError",
    "load_context",
    "load_table",
]

TIERS = ("emergency", "urgent")
ACTIONS = ("emergency_number", "crisis_line", "clinic_today")
CATEGORIES = ("negated", "figurative", "hypothetical", "conditional", "historical", "future", "present", "pseudo")
DIRECTIONS = ("forward", "backward", "both")
SCOPES = ("clause", "sentence")


class TriageRulesError(CorpusError):
    """A red-flag table or the context rules cannot be used; names the file and line."""


@dataclass(frozen=True, slots=True)
class Group:
    """One way a flag can be met: every concept of ``all`` affirmed (see the module docstring)."""

    all: tuple[str, ...]
    within: int | None = None
    scope: str = "sentence"
    present: bool = False
    with_: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FlagRule:
    name: str
    tier: str
    action: str
    groups: tuple[Group, ...]
    sources: tuple[str, ...] = ()
    origin: str = ""


@dataclass(slots=True)
class RedFlagTable:
    concepts: dict[str, list[str]] = field(default_factory=dict)
    flags: list[FlagRule] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    path: str = ""


@dataclass(frozen=True, slots=True)
class CueRule:
    category: str
    terms: tuple[str, ...]
    direction: str
    scope: str
    window: int | None = None
    start: bool = False


@dataclass(frozen=True, slots=True)
class ContextRules:
    rewrite: dict[str, str]
    clause_terminators: tuple[str, ...]
    sentence_terminators: tuple[str, ...]
    cues: tuple[CueRule, ...]
    people: tuple[str, ...]
    symptoms: tuple[str, ...]


Node = yaml.Node


class _Reader:
    """Checks a composed YAML tree; every complaint names the file and the node's line."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, node: Node | None, reason: str) -> TriageRulesError:
        line = node.start_mark.line + 1 if node is not None else None
        return TriageRulesError(self.path, reason, line=line)

    def compose(self) -> Node:
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TriageRulesError(self.path, f"cannot read the file: {exc}") from None
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            raise TriageRulesError(
                self.path, f"broken YAML: {getattr(exc, 'problem', None) or exc}", line=line
            ) from None
        if node is None:
            raise TriageRulesError(self.path, "the file is empty", line=1)
        return node

    def mapping(self, node: Node, what: str, allowed: tuple[str, ...] | None = None) -> dict[str, Node]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping")
        out: dict[str, Node] = {}
        for key, value in node.value:
            name = self.scalar(key, f"a key of {what}")
            if allowed is not None and name not in allowed:
                raise self.fail(key, f"unknown key {name!r} in {what} (expected one of {', '.join(allowed)})")
            if name in out:
                raise self.fail(key, f"{what} has {name!r} twice")
            out[name] = value
        return out

    def scalar(self, node: Node, what: str) -> str:
        if not isinstance(node, yaml.ScalarNode) or node.value == "":
            raise self.fail(node, f"{what} must be a word or phrase")
        return str(node.value)

    def strings(self, node: Node, what: str) -> tuple[str, ...]:
        if isinstance(node, yaml.ScalarNode):
            return (self.scalar(node, what),)
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self.fail(node, f"{what} must be a non-empty list of words or phrases")
        return tuple(self.scalar(item, what) for item in node.value)

    def integer(self, node: Node, what: str) -> int:
        value = self.scalar(node, what)
        if not value.isdigit() or int(value) < 1:
            raise self.fail(node, f"{what} must be a positive whole number, not {value!r}")
        return int(value)

    def boolean(self, node: Node, what: str) -> bool:
        value = self.scalar(node, what).lower()
        if value not in ("true", "false"):
            raise self.fail(node, f"{what} must be true or false")
        return value == "true"

    def choice(self, node: Node, what: str, options: tuple[str, ...]) -> str:
        value = self.scalar(node, what)
        if value not in options:
            raise self.fail(node, f"{what} must be one of {', '.join(options)}, not {value!r}")
        return value


def _group(reader: _Reader, node: Node, flag: str, index: int, phrases: dict[str, list[str]]) -> Group:
    where = f"flag {flag!r}, needs #{index + 1}"
    keys = ("all", "phrase", "within", "scope", "present", "with", "unless")
    parts = reader.mapping(node, where, keys)
    if ("all" in parts) == ("phrase" in parts):
        raise reader.fail(node, f"{where} needs exactly one of 'all' or 'phrase'")
    if "phrase" in parts:
        name = f"{flag}#{index + 1}"
        phrases[name] = list(reader.strings(parts["phrase"], f"{where}: phrase"))
        concepts: tuple[str, ...] = (name,)
    else:
        concepts = reader.strings(parts["all"], f"{where}: all")
    return Group(
        all=concepts,
        within=reader.integer(parts["within"], f"{where}: within") if "within" in parts else None,
        scope=reader.choice(parts["scope"], f"{where}: scope", ("sentence", "message"))
        if "scope" in parts
        else "sentence",
        present=reader.boolean(parts["present"], f"{where}: present") if "present" in parts else False,
        with_=reader.strings(parts["with"], f"{where}: with") if "with" in parts else (),
        unless=reader.strings(parts["unless"], f"{where}: unless") if "unless" in parts else (),
    )


def load_table(path: Path, *, known: set[str] | None = None) -> RedFlagTable:
    """Read and check one red-flag table; ``known`` names concepts defined elsewhere (the general table)."""
    reader = _Reader(path)
    root = reader.mapping(reader.compose(), "the file", ("sources", "concepts", "flags"))
    table = RedFlagTable(path=str(path))
    if "sources" in root:
        if not isinstance(root["sources"], yaml.SequenceNode):
            raise reader.fail(root["sources"], "'sources' must be a list of {id, title, url}")
        for item in root["sources"].value:
            source = reader.mapping(item, "a source", ("id", "title", "url", "note"))
            if "id" not in source or "url" not in source:
                raise reader.fail(item, "a source needs an 'id' and a 'url'")
            table.sources[reader.scalar(source["id"], "a source id")] = reader.scalar(source["url"], "a source url")
    concept_nodes: dict[str, Node] = {}
    if "concepts" in root:
        for name, node in reader.mapping(root["concepts"], "'concepts'").items():
            table.concepts[name] = list(reader.strings(node, f"concept {name!r}"))
            concept_nodes[name] = node
    if "flags" not in root or not isinstance(root["flags"], yaml.SequenceNode):
        raise reader.fail(root.get("flags"), "the file needs a 'flags:' list")
    seen: set[str] = set()
    defined = set(table.concepts) | (known or set())
    for item in root["flags"].value:
        parts = reader.mapping(item, "a flag", ("name", "tier", "action", "needs", "sources", "note"))
        for key in ("name", "tier", "action", "needs"):
            if key not in parts:
                raise reader.fail(item, f"a flag needs '{key}'")
        name = reader.scalar(parts["name"], "a flag name")
        if name in seen:
            raise reader.fail(parts["name"], f"flag {name!r} is defined twice")
        seen.add(name)
        needs = parts["needs"]
        if not isinstance(needs, yaml.SequenceNode) or not needs.value:
            raise reader.fail(needs, f"flag {name!r}: 'needs' must be a non-empty list of groups")
        phrases: dict[str, list[str]] = {}
        groups = tuple(_group(reader, node, name, i, phrases) for i, node in enumerate(needs.value))
        table.concepts.update(phrases)
        defined |= set(phrases)
        for group, node in zip(groups, needs.value, strict=True):
            for concept in (*group.all, *group.with_, *group.unless):
                if concept not in defined:
                    raise reader.fail(node, f"flag {name!r} uses the unknown concept {concept!r}")
        sources = reader.strings(parts["sources"], f"flag {name!r}: sources") if "sources" in parts else ()
        table.flags.append(
            FlagRule(
                name=name,
                tier=reader.choice(parts["tier"], f"flag {name!r}: tier", TIERS),
                action=reader.choice(parts["action"], f"flag {name!r}: action", ACTIONS),
                groups=groups,
                sources=sources,
                origin=str(path),
            )
        )
    return table


def load_context(path: Path) -> ContextRules:
    """Read and check the context rules (``chatbot/data/triage_context.yaml``)."""
    reader = _Reader(path)
    root = reader.mapping(reader.compose(), "the file", ("rewrite", "terminators", "cues", "safety_net"))
    for key in ("terminators", "cues", "safety_net"):
        if key not in root:
            raise reader.fail(None, f"the context rules need '{key}'")
    rewrite = {k: reader.scalar(v, f"rewrite {k!r}") for k, v in reader.mapping(root["rewrite"], "'rewrite'").items()}
    terms = reader.mapping(root["terminators"], "'terminators'", ("clause", "sentence"))
    cues: list[CueRule] = []
    for category, node in reader.mapping(root["cues"], "'cues'", CATEGORIES).items():
        if not isinstance(node, yaml.SequenceNode):
            raise reader.fail(node, f"cues {category!r} must be a list of rules")
        for item in node.value:
            rule = reader.mapping(item, f"a {category} cue", ("terms", "then", "direction", "scope", "window", "start"))
            if "terms" not in rule or "direction" not in rule or "scope" not in rule:
                raise reader.fail(item, f"a {category} cue needs 'terms', 'direction' and 'scope'")
            words = reader.strings(rule["terms"], f"{category} terms")
            if "then" in rule:  # each term followed by each of these words ("with all these" + "deadlines")
                words = tuple(f"{t} {w}" for t in words for w in reader.strings(rule["then"], f"{category} then"))
            cues.append(
                CueRule(
                    category=category,
                    terms=words,
                    direction=reader.choice(rule["direction"], "direction", DIRECTIONS),
                    scope=reader.choice(rule["scope"], "scope", SCOPES),
                    window=reader.integer(rule["window"], "window") if "window" in rule else None,
                    start=reader.boolean(rule["start"], "start") if "start" in rule else False,
                )
            )
    net = reader.mapping(root["safety_net"], "'safety_net'", ("people", "symptoms"))
    return ContextRules(
        rewrite=rewrite,
        clause_terminators=reader.strings(terms["clause"], "clause terminators"),
        sentence_terminators=reader.strings(terms["sentence"], "sentence terminators"),
        cues=tuple(cues),
        people=reader.strings(net["people"], "safety_net people"),
        symptoms=reader.strings(net["symptoms"], "safety_net symptoms"),
    )
