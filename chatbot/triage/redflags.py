"""Red-flag triage: which emergency or urgent sign a message describes, from rules that are data.

* ``chatbot/data/red_flags.yaml``: general red flags for any clinic (sources cited in the file);
* ``red_flags.yaml`` in a clinic's corpus folder: the specialty's own signs, same format;
* ``chatbot/data/triage_context.yaml``: ConText-style modifiers (negated, hypothetical,
  conditional, historical, future, present, pseudo) with direction and scope.

A concept occurrence is *affirmed* unless a negated, figurative, historical or conditional cue covers
it, or a hypothetical or future cue covers it while the sentence has no present cue of its
own (one outside every hypothetical, conditional and future scope). A flag is met when
one of its groups finds every concept affirmed in one sentence (or in the message, for
``scope: message``). The result maps onto the existing :class:`UrgentKind`
(``crisis_line`` -> SELF_HARM, anything else -> EMERGENCY), so ``Bot.urgent`` keeps working.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from importlib import resources
from pathlib import Path

from chatbot.clinic import bundled_corpus_dir
from chatbot.triage.rules import ContextRules, CueRule, FlagRule, Group, RedFlagTable, load_context, load_table
from chatbot.triage.text import BOUNDARY_CLAUSE, BOUNDARY_SENTENCE, Analysed, PhraseTable, TextAnalyser

__all__ = ["Assessment", "Triage", "Triager", "UrgentKind", "acute_now", "default_triager", "load_triager", "triage"]

MAX_CHARS = 2_000
_OPENERS = frozenset({"and", "so", "also", "ok", "okay", "hi", "hello", "hey", "pleas", "um", "well", "then", "oh"})
_BLOCKING = frozenset({"negated", "figurative", "historical", "conditional"})
_SOFT = frozenset({"hypothetical", "future"})
_SYMPTOM = "@symptom"
_ACTION_RANK = {"emergency_number": 0, "crisis_line": 1, "clinic_today": 2}


class UrgentKind(str, Enum):
    """Which kind of warning sign was found: an emergency, or thoughts of self-harm (the crisis line)."""

    EMERGENCY = "emergency"
    SELF_HARM = "self_harm"


@dataclass(frozen=True, slots=True)
class Triage:
    """A red flag found in a message."""

    tier: str  # "emergency" or "urgent" (urgent, today)
    flag: str
    action: str  # "emergency_number", "crisis_line" or "clinic_today"
    matched: str
    kind: UrgentKind
    crisis: bool = False  # a self-harm flag matched too (say the crisis line as well)
    clinic: bool = False  # the flag comes from the clinic's own table (a sign about its treatments)


@dataclass(frozen=True, slots=True)
class _Cue:
    start: int
    end: int
    rule: CueRule


class _Reading:
    """One message: concept occurrences and, per token, the modifiers whose scope covers it."""

    def __init__(self, triager: Triager, text: str) -> None:
        analysed: Analysed = triager.text.message(text[:MAX_CHARS])
        stems = self.stems = analysed.stems
        self.surface = analysed.surface
        n = len(stems)
        self.sentence = [0] * n
        clause_end = [n] * n
        clause_start = [0] * n
        sentence_end = [n] * n
        sentence_start = [0] * n
        index = 0
        for i, s in enumerate(stems):
            self.sentence[i] = index
            if s in BOUNDARY_SENTENCE:
                index += 1
        concepts = triager.concepts.find(stems)
        occupied: set[int] = set()
        for start, end, _label in concepts:
            occupied.update(range(start, end))
        cues: list[_Cue] = []
        taken: set[int] = set()
        kept_spans: set[tuple[int, int]] = set()
        for start, end, label in sorted(triager.cues.find(stems), key=lambda m: (m[0] - m[1], m[0])):
            span = set(range(start, end))
            # A cue inside a concept is part of it ("not" in "not breathing"), except that a present
            # cue still says when ("this morning" in "deaf since this morning"); the longest cue wins, and
            # cues of the same span all count ("risk of" forward, "risk" backward).
            rule = triager.cue_rules[label]
            if (span <= occupied and rule.category != "present") or (span & taken and (start, end) not in kept_spans):
                continue
            taken |= span
            kept_spans.add((start, end))
            cues.append(_Cue(start, end, rule))
        clause_breaks = {c.start for c in cues if c.rule.category == "terminator"}
        clause_breaks.update(i for i, s in enumerate(stems) if s in BOUNDARY_CLAUSE or s in BOUNDARY_SENTENCE)
        last_clause = last_sentence = 0
        for i, s in enumerate(stems):
            clause_start[i], sentence_start[i] = last_clause, last_sentence
            if i in clause_breaks:
                last_clause = i + 1
            if s in BOUNDARY_SENTENCE:
                last_sentence = i + 1
        next_clause = next_sentence = n
        for i in range(n - 1, -1, -1):
            if i in clause_breaks:
                next_clause = i
            if stems[i] in BOUNDARY_SENTENCE:
                next_sentence = i
            clause_end[i], sentence_end[i] = next_clause, next_sentence
        self.marks: list[set[str]] = [set() for _ in range(n)]
        present: list[int] = []
        present_cues = sorted(c.start for c in cues if c.rule.category == "present")
        for cue in cues:
            rule = cue.rule
            if rule.category in ("pseudo", "terminator"):
                continue
            if rule.start and not self._at_start(stems, cue.start, clause_breaks):
                continue
            if rule.category == "present":
                present.append(cue.start)
                continue
            clause = rule.scope == "clause"
            lo, hi = cue.start, cue.end
            if rule.direction in ("forward", "both"):
                hi = clause_end[cue.start] if clause else sentence_end[cue.start]
                if rule.window:
                    hi = min(hi, cue.end + rule.window)
            if rule.direction in ("backward", "both"):
                lo = clause_start[cue.start] if clause else sentence_start[cue.start]
                if rule.window:
                    lo = max(lo, cue.start - rule.window)
            now_clauses: set[int] = set()
            if rule.category == "historical":  # a present cue ends a historical scope
                hi = min([hi, *(p for p in present_cues if p >= cue.end)])
                lo = max([lo, *(p + 1 for p in present_cues if p < cue.start)])
                # backward only within its own clause: "my face is drooping, I had MVD months ago"
                lo = max(lo, clause_start[cue.start])
                # ... and a clause with a present cue of its own is not history ("had it years ago
                # and my face is drooping now"), unless the cue itself is in that clause
                now_clauses = {clause_start[p] for p in present_cues} - {clause_start[cue.start]}
            for i in range(lo, hi):
                if not cue.start <= i < cue.end and clause_start[i] not in now_clauses:
                    self.marks[i].add(rule.category)
        self.present_in = {self.sentence[i] for i in present if not self.marks[i] & (_SOFT | {"conditional"})}
        self.found: dict[str, list[tuple[int, int]]] = {}
        for start, end, label in concepts:
            self.found.setdefault(label, []).append((start, end))

    @staticmethod
    def _at_start(stems: list[str], position: int, breaks: set[int]) -> bool:
        i = position - 1
        while i >= 0 and stems[i] in _OPENERS:
            i -= 1
        return i < 0 or i in breaks

    def affirmed(self, start: int) -> bool:
        marks = self.marks[start]
        if not marks:
            return True
        if marks & _BLOCKING:
            return False
        return self.sentence[start] in self.present_in

    def occurrences(self, concept: str) -> list[tuple[int, int]]:
        return [occ for occ in self.found.get(concept, ()) if self.affirmed(occ[0])]

    def meets(self, group: Group) -> tuple[int, int] | None:
        """The span a group is met over, or None."""
        for concept in group.with_:
            if not any(not self.marks[s] & {"negated", "historical"} for s, _e in self.found.get(concept, ())):
                return None
        lists = [self.occurrences(concept) for concept in group.all]
        if not all(lists):
            return None
        if group.scope == "message":
            spans = [occs[0] for occs in lists]
            return min(s for s, _ in spans), max(e for _, e in spans)
        for first in lists[0]:
            sentence = self.sentence[first[0]]
            chosen = [first]
            for occs in lists[1:]:
                near = [o for o in occs if self.sentence[o[0]] == sentence]
                if group.within is not None:
                    near = [o for o in near if abs(o[0] - first[0]) <= group.within]
                if not near:
                    break
                chosen.append(near[0])
            else:
                if group.present and sentence not in self.present_in:
                    continue
                if any(self.sentence[s] == sentence for c in group.unless for s, _e in self.found.get(c, ())):
                    continue
                return min(s for s, _ in chosen), max(e for _, e in chosen)
        return None


class Triager:
    """Compiled red-flag tables and context rules."""

    def __init__(self, tables: list[RedFlagTable], context: ContextRules) -> None:
        self.text = TextAnalyser(context.rewrite)
        concepts: dict[str, list[str]] = {}
        flags: dict[str, FlagRule] = {}
        for table in tables:  # later tables (the clinic's) extend concepts and replace flags
            for name, terms in table.concepts.items():
                concepts.setdefault(name, []).extend(terms)
            for flag in table.flags:
                flags[flag.name] = flag
        concepts[_SYMPTOM] = list(context.symptoms)
        self.flags = list(flags.values())
        # Flags that a clinic's own table defines or replaces: signs about its treatments.
        self.clinic_flags = frozenset(flag.name for table in tables[1:] for flag in table.flags)
        self.cue_rules: dict[str, CueRule] = {}
        cue_terms: list[tuple[str, str]] = []
        for n, rule in enumerate(context.cues):
            self.cue_rules[str(n)] = rule
            cue_terms.extend((term, str(n)) for term in rule.terms)
        terminator = CueRule("terminator", context.clause_terminators, "forward", "clause")
        self.cue_rules["t"] = terminator
        cue_terms.extend((term, "t") for term in context.clause_terminators if term not in BOUNDARY_CLAUSE)
        words = [w for terms in concepts.values() for t in terms for w in self.text.words(t)[0]]
        self.text.set_vocabulary(words + [w for t, _ in cue_terms for w in self.text.words(t)[0]])
        self.concepts = PhraseTable((self.text.term(t), name) for name, terms in concepts.items() for t in terms)
        self.cues = PhraseTable((self.text.term(t), label) for t, label in cue_terms)
        # People are single words, some of them possessives the phrase matcher skips ("my", "her").
        self.people = frozenset(s for person in context.people for s in self.text.term(person))
        self.needed = [(flag, group, frozenset(group.all)) for flag in self.flags for group in flag.groups]

    @classmethod
    def load(cls, *clinic: Path, general: Path | None = None, context: Path | None = None) -> Triager:
        """The general table (packaged unless ``general``), then each clinic table that exists."""
        data = resources.files("chatbot").joinpath("data")
        general_path = general or Path(str(data.joinpath("red_flags.yaml")))
        tables = [load_table(general_path)]
        for path in clinic:
            if path.is_file():
                tables.append(load_table(path, known=set(tables[0].concepts)))
        return cls(tables, load_context(context or Path(str(data.joinpath("triage_context.yaml")))))

    def triage(self, message: str) -> Triage | None:
        """The most urgent red flag the message describes, or None."""
        return self._flag(_Reading(self, message))

    def assess(self, message: str) -> Assessment:
        """:meth:`triage` now and, when no flag is met, :meth:`acute_now` when asked for: one reading of the message."""
        reading = _Reading(self, message)
        return Assessment(self, reading, self._flag(reading))

    def _flag(self, reading: _Reading) -> Triage | None:
        if not reading.found:
            return None
        present = set(reading.found)
        hits: list[tuple[FlagRule, tuple[int, int]]] = []
        for flag, group, needs in self.needed:
            if needs <= present:
                span = reading.meets(group)
                if span is not None:
                    hits.append((flag, span))
        if not hits:
            return None
        hits.sort(key=lambda hit: (hit[0].tier != "emergency", _ACTION_RANK[hit[0].action]))
        flag, (start, end) = hits[0]
        matched = " ".join(dict.fromkeys(reading.surface[start:end]))
        crisis = any(f.action == "crisis_line" for f, _ in hits)
        kind = UrgentKind.SELF_HARM if flag.action == "crisis_line" else UrgentKind.EMERGENCY
        return Triage(
            tier=flag.tier, flag=flag.name, action=flag.action, matched=matched, kind=kind, crisis=crisis,
            clinic=flag.name in self.clinic_flags,
        )

    def acute_now(self, message: str) -> bool:
        """A person (or someone with them) with a symptom now: person + symptom + present cue in one sentence."""
        return self._acute(_Reading(self, message))

    def _acute(self, reading: _Reading) -> bool:
        people = {reading.sentence[i] for i, s in enumerate(reading.stems) if s in self.people}
        return any(
            reading.sentence[s] in people and reading.sentence[s] in reading.present_in
            for s, _e in reading.occurrences(_SYMPTOM)
        )


def _stamp(path: Path) -> tuple[str, int, int]:
    try:
        info = path.stat()
    except OSError:
        return (str(path), -1, -1)
    return (str(path), info.st_mtime_ns, info.st_size)


@lru_cache(maxsize=8)
def _load(stamp: tuple[str, int, int]) -> Triager:
    return Triager.load(Path(stamp[0]))


def load_triager(corpus_root: Path) -> Triager:
    """The general table plus the corpus folder's ``red_flags.yaml`` (when it has one).

    Loaded once per file version (path, modification time, size): a bot rebuilt after a
    reload re-reads a changed table, and many bots over one corpus share one. A bad file
    raises :class:`~chatbot.triage.rules.TriageRulesError` naming the file and line.
    """
    folder = corpus_root if corpus_root.is_dir() else corpus_root.parent
    return _load(_stamp(folder / "red_flags.yaml"))


def default_triager() -> Triager:
    """The packaged general table plus the bundled corpus's own table."""
    return load_triager(bundled_corpus_dir())


class Assessment:
    """A message's red flag (``found``) and, read from the same analysis on first use, whether it
    describes symptoms happening now that meet no flag (``acute``: the safety-net line)."""

    __slots__ = ("_acute", "_reading", "_triager", "found")

    def __init__(self, triager: Triager, reading: _Reading, found: Triage | None) -> None:
        self._triager = triager
        self._reading = reading
        self._acute: bool | None = None
        self.found = found

    @property
    def acute(self) -> bool:
        if self._acute is None:
            self._acute = self.found is None and self._triager._acute(self._reading)
        return self._acute


def triage(message: str) -> Triage | None:
    """:meth:`Triager.triage` with the default tables."""
    return default_triager().triage(message)


def acute_now(message: str) -> bool:
    """:meth:`Triager.acute_now` with the default tables."""
    return default_triager().acute_now(message)
