"""Reading question files (YAML, CSV, JSONL) into :class:`QuestionSet`; every error names file, case and field.

Question sets for QA are read strictly: a field the format does not define is an error. In
batch mode (``chatbot eval --run``) a case's other fields are ignored and ``_id`` names it when
there is no ``id``, so a public collection's queries (BEIR's ``queries.jsonl``: ``_id``,
``text``, ``metadata``) are read as they are; a BEIR folder stands for its ``queries.jsonl``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from chatbot.dialogue.reply import ReplyType
from chatbot.errors import EvalFileError
from chatbot.evaluation.beir import QUERIES_FILE, is_beir_folder
from chatbot.evaluation.sets import (
    CASE_FIELDS,
    DEFAULT_TOP_K,
    FILE_FIELDS,
    LIST_FIELDS,
    MAX_TOP_K,
    SUFFIXES,
    TURN_FIELDS,
    Case,
    Expectation,
    QuestionSet,
    Turn,
    parse_kind,
)

__all__ = ["load_question_files", "load_question_set"]


class _Reader:
    """Validates the raw rows of one file; every error names file, case and field."""

    def __init__(self, path: Path, default_top_k: int, *, batch: bool = False) -> None:
        self.path = path
        self.default_top_k = default_top_k
        self.batch = batch  # other fields ignored, _id for id (see the module's description)

    def fail(self, reason: str, case: str | int | None = None, field: str | None = None) -> EvalFileError:
        return EvalFileError(self.path, reason, case=case, field=field)

    def text(self, value: Any, case: str, name: str, *, required: bool = False) -> str:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.fail("is missing or empty", case, name)
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.fail(f"expected text, got {type(value).__name__}", case, name)
        return str(value).strip()

    def strings(self, value: Any, case: str, name: str, *, csv_cell: bool) -> tuple[str, ...]:
        if value is None or value == "":
            return ()
        if isinstance(value, str) and csv_cell:
            cell = value.strip()
            if cell.startswith("["):
                try:
                    value = json.loads(cell)
                except json.JSONDecodeError as exc:
                    raise self.fail(f"not a JSON array: {exc.msg}", case, name) from None
            else:
                value = cell.split("|")
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list):
            raise self.fail(f"expected a list of text, got {type(value).__name__}", case, name)
        out = []
        for item in value:
            if isinstance(item, bool) or not isinstance(item, (str, int, float)) or not str(item).strip():
                raise self.fail(f"every item must be non-empty text, got {item!r}", case, name)
            out.append(str(item).strip())
        return tuple(out)

    def kind(self, value: Any, case: str, name: str) -> ReplyType | None:
        if value is None or value == "":
            return None
        kind = parse_kind(value) if isinstance(value, str) else None
        if kind is None:
            raise self.fail(f"{value!r} is not a reply kind; use answer, not_found, smalltalk or urgent", case, name)
        return kind

    def top_k(self, value: Any, case: str | None, name: str = "top_k") -> int | None:
        if value is None or value == "":
            return None
        number = int(str(value).strip()) if not isinstance(value, bool) and str(value).strip().isdigit() else -1
        if not 1 <= number <= MAX_TOP_K:
            raise self.fail(f"expected a whole number from 1 to {MAX_TOP_K}, got {value!r}", case, name)
        return number

    def relevance(self, value: Any, case: str, *, csv_cell: bool) -> dict[str, int]:
        if value is None or value == "":
            return {}
        if isinstance(value, str) and csv_cell:
            cell = value.strip()
            try:
                value = (
                    json.loads(cell)
                    if cell.startswith("{")
                    else dict(
                        (part.rsplit(":", 1)[0].strip(), part.rsplit(":", 1)[1].strip()) for part in cell.split("|")
                    )
                )
            except (json.JSONDecodeError, IndexError):
                raise self.fail("expected a JSON object or 'passage-id:grade|...'", case, "relevance") from None
        if not isinstance(value, dict):
            raise self.fail(f"expected a mapping of passage id to grade, got {type(value).__name__}", case, "relevance")
        grades = {}
        for key, grade in value.items():
            text = str(grade).strip()
            if isinstance(grade, bool) or not text.isdigit() or int(text) > 10:
                raise self.fail(
                    f"grade of {key!r} must be a whole number from 0 to 10, got {grade!r}", case, "relevance"
                )
            grades[str(key).strip()] = int(text)
        return grades

    def expectation(self, row: Mapping[str, Any], case: str, *, csv_cell: bool) -> Expectation:
        lists = {name: self.strings(row.get(name), case, name, csv_cell=csv_cell) for name in LIST_FIELDS}
        not_types = tuple(self.kind(v, case, "expect_type_not") or ReplyType.ANSWER for v in lists["expect_type_not"])
        return Expectation(
            texts=lists["expect_text"],
            passages=lists["expect_passages"],
            documents=lists["expect_documents"],
            type=self.kind(row.get("expect_type"), case, "expect_type"),
            not_types=not_types,
            forbid=lists["forbid_text"],
            relevance=self.relevance(row.get("relevance"), case, csv_cell=csv_cell),
            top_k=self.top_k(row.get("top_k"), case),
        )

    def turn(self, row: Any, case: str, *, csv_cell: bool, where: str = "") -> Turn:
        if not isinstance(row, dict):
            raise self.fail(f"expected a mapping with a message, got {type(row).__name__}", case, where or "turns")
        unknown = sorted(set(map(str, row)) - TURN_FIELDS)
        if unknown:
            raise self.fail(f"unknown field; a turn has {', '.join(sorted(TURN_FIELDS))}", case, unknown[0])
        return self._turn(row, case, csv_cell=csv_cell)

    def _turn(self, row: Mapping[str, Any], case: str, *, csv_cell: bool) -> Turn:
        if row.get("message") not in (None, "") and row.get("text") not in (None, ""):
            raise self.fail("give either message or text, not both", case, "text")
        name = "text" if row.get("message") in (None, "") and "text" in row else "message"
        message = self.text(row.get(name), case, name, required=True)
        return Turn(message=message, expect=self.expectation(row, case, csv_cell=csv_cell))

    def case(self, row: Any, number: int, set_name: str, *, csv_cell: bool, by_line: bool = False) -> Case:
        label = f"line {number}" if by_line else f"#{number}"
        if not isinstance(row, dict):
            raise self.fail(f"a case must be a mapping, got {type(row).__name__}", label)
        case_id = self.text(row.get("id"), label, "id")
        if self.batch and not case_id:
            case_id = self.text(row.get("_id"), label, "_id")
        case_id = case_id or f"{set_name}-{number:03d}"
        unknown = sorted(set(map(str, row)) - CASE_FIELDS)
        if unknown and not self.batch:
            hint = " (BEIR queries are read as they are in batch mode, --run)" if "_id" in unknown else ""
            raise self.fail(f"unknown field; a case has {', '.join(sorted(CASE_FIELDS))}{hint}", case_id, unknown[0])
        holdout = row.get("holdout", False)
        if isinstance(holdout, str) and csv_cell:
            holdout = holdout.strip().lower() in {"1", "true", "yes", "y"}
        if not isinstance(holdout, bool):
            raise self.fail(f"expected true or false, got {holdout!r}", case_id, "holdout")
        note = self.text(row.get("note"), case_id, "note")
        turns_raw = row.get("turns")
        if turns_raw is not None:
            if not isinstance(turns_raw, list) or not turns_raw:
                raise self.fail("expected a non-empty list of turns", case_id, "turns")
            clash = sorted(set(map(str, row)) & (TURN_FIELDS - {"top_k"}))
            if clash:
                raise self.fail("a conversation puts message and expectations in its turns", case_id, clash[0])
            default_k = self.top_k(row.get("top_k"), case_id)
            turns = []
            for i, raw in enumerate(turns_raw, start=1):
                turn = self.turn(raw, f"{case_id} turn {i}", csv_cell=csv_cell, where="turns")
                if default_k and turn.expect.top_k is None:
                    turn = Turn(turn.message, _with_top_k(turn.expect, default_k))
                turns.append(turn)
            return Case(id=case_id, set_name=set_name, turns=tuple(turns), holdout=holdout, note=note)
        turn = self._turn(row, case_id, csv_cell=csv_cell)
        return Case(id=case_id, set_name=set_name, turns=(turn,), holdout=holdout, note=note)

    def cases(
        self, rows: Iterable[tuple[int, Any]], set_name: str, *, csv_cell: bool, by_line: bool = False
    ) -> tuple[Case, ...]:
        out: list[Case] = []
        seen: set[str] = set()
        for number, row in rows:
            case = self.case(row, number, set_name, csv_cell=csv_cell, by_line=by_line)
            if case.id in seen:
                raise self.fail("duplicate id; every case needs its own id", case.id, "id")
            seen.add(case.id)
            out.append(case)
        if not out:
            raise self.fail("the file holds no cases")
        return tuple(out)


def _with_top_k(expect: Expectation, top_k: int) -> Expectation:
    return Expectation(
        expect.texts,
        expect.passages,
        expect.documents,
        expect.type,
        expect.not_types,
        expect.forbid,
        expect.relevance,
        top_k,
    )


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise EvalFileError(path, "no such file") from None
    except UnicodeDecodeError:
        raise EvalFileError(path, "not UTF-8 text; save the file as UTF-8") from None
    except OSError as exc:
        raise EvalFileError(path, f"cannot read the file: {exc.strerror or exc}") from None


def _load_yaml(path: Path, text: str, *, batch: bool) -> QuestionSet:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise EvalFileError(path, f"not valid YAML{where}: {getattr(exc, 'problem', None) or exc}") from None
    if isinstance(data, list):
        data = {"cases": data}
    if not isinstance(data, dict):
        raise EvalFileError(path, "expected a mapping with 'cases:' (or a list of cases)")
    unknown = sorted(set(map(str, data)) - FILE_FIELDS)
    if unknown:
        raise EvalFileError(path, f"unknown top-level field; use {', '.join(sorted(FILE_FIELDS))}", field=unknown[0])
    reader = _Reader(path, DEFAULT_TOP_K, batch=batch)
    name = reader.text(data.get("name"), "(file)", "name") or path.stem
    top_k = reader.top_k(data.get("top_k"), None) or DEFAULT_TOP_K
    raw_cases = data.get("cases")
    if not isinstance(raw_cases, list):
        raise EvalFileError(path, "expected a list of cases", field="cases")
    description = reader.text(data.get("description"), "(file)", "description")
    cases = reader.cases(enumerate(raw_cases, start=1), name, csv_cell=False)
    return QuestionSet(name=name, path=path, cases=cases, top_k=top_k, description=description)


def _jsonl_rows(path: Path, text: str) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            raise EvalFileError(path, f"line {number} is not JSON: {reason}", case=f"line {number}") from None


def _csv_rows(path: Path, text: str) -> Iterator[tuple[int, Any]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    if "message" not in header and "text" not in header:
        raise EvalFileError(path, "the header row has no 'message' (or 'text') column", case="header")
    reader.fieldnames = header
    try:
        for row in reader:
            if None in row:
                raise EvalFileError(path, "row has more fields than the header", case=f"line {reader.line_num}")
            if any((value or "").strip() for value in row.values()):
                yield reader.line_num, {key: value for key, value in row.items() if (value or "").strip()}
    except csv.Error as exc:
        raise EvalFileError(path, f"broken CSV: {exc}", case=f"line {reader.line_num}") from None


def load_question_set(path: Path | str, *, batch: bool = False) -> QuestionSet:
    """Read and validate one question file (``.yaml``/``.yml``, ``.csv`` or ``.jsonl``); ``batch``:
    for batch mode (other fields ignored, see the module's description)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise EvalFileError(path, f"unsupported question file; use {', '.join(SUFFIXES)}")
    text = _read(path)
    if suffix in {".yaml", ".yml"}:
        return _load_yaml(path, text, batch=batch)
    reader = _Reader(path, DEFAULT_TOP_K, batch=batch)
    rows = _jsonl_rows(path, text) if suffix == ".jsonl" else _csv_rows(path, text)
    # Row numbers are file lines here, so errors point at the line as well as the id.
    cases = reader.cases(rows, path.stem, csv_cell=suffix == ".csv", by_line=True)
    return QuestionSet(name=path.stem, path=path, cases=cases)


def load_question_files(paths: Sequence[Path], *, batch: bool = False) -> list[QuestionSet]:
    """Every question file named, folders expanded to their question files (sorted); a BEIR
    folder to its queries, in a set named after the folder."""
    files: list[Path] = []
    for path in paths:
        if is_beir_folder(path):
            files.append(path / QUERIES_FILE)
        elif path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file())
            if not found:
                raise EvalFileError(path, f"no question files ({', '.join(SUFFIXES)}) in this folder")
            files.extend(found)
        else:
            files.append(path)
    sets = [load_question_set(path, batch=batch) for path in files]
    sets = [
        replace(qs, name=qs.path.parent.name) if qs.path.name == QUERIES_FILE and is_beir_folder(qs.path.parent) else qs
        for qs in sets
    ]
    names: dict[str, Path] = {}
    for qs in sets:
        if qs.name in names:
            raise EvalFileError(qs.path, f"set name {qs.name!r} is also used by {names[qs.name]}", field="name")
        names[qs.name] = qs.path
    return sets
