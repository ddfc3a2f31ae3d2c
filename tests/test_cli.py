"""The command line: ``chatbot ask``, ``chatbot chat`` and ``chatbot index`` (other commands: their own tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from helpers import CITATION_KEYS, PASSAGE_KEYS, REPLY_KEYS

from chatbot.cli import main
from chatbot.config import DEFAULT_DISCLAIMER


def run(runner: CliRunner, *args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    """Invoke the CLI; ``result.output`` is stdout and stderr together, ``result.stdout`` is what --json prints."""
    return runner.invoke(main, list(args), input=input, env=env, catch_exceptions=False)


# --- help -----------------------------------------------------------------


def test_help_lists_the_commands_with_examples(runner: CliRunner) -> None:
    result = run(runner, "--help")
    assert result.exit_code == 0
    for command in ("ask", "chat", "index"):
        assert f"chatbot {command}" in result.output
    assert "--corpus DIR" in result.output


@pytest.mark.parametrize("command", ["ask", "chat", "index"])
def test_each_command_has_help_with_its_options(runner: CliRunner, command: str) -> None:
    result = run(runner, command, "--help")
    assert result.exit_code == 0
    assert "--corpus" in result.output
    assert "--config" in result.output
    assert len(result.output.split()) > 30


def test_python_dash_m_chatbot_works() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATBOT_")}
    result = subprocess.run(
        [sys.executable, "-m", "chatbot", "--help"], capture_output=True, text=True, timeout=60, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "chatbot ask" in result.stdout


# --- ask --------------------------------------------------------------------


def test_ask_prints_the_answer_with_numbered_sources_and_the_disclaimer(runner: CliRunner) -> None:
    result = run(runner, "ask", "How long does Botox last?")
    assert result.exit_code == 0
    assert "Sources:" in result.output
    assert "[1] " in result.output
    assert "Note: This is general information" in result.output


def test_ask_json_prints_the_documented_structure(runner: CliRunner) -> None:
    result = run(runner, "ask", "--json", "What are the risks of MVD?")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) == REPLY_KEYS
    assert data["type"] == "answer"
    assert data["schema_version"] == 2
    assert data["disclaimer"] == DEFAULT_DISCLAIMER
    assert 1 <= len(data["passages"]) <= 3
    for n, passage in enumerate(data["passages"], start=1):
        assert set(passage) == PASSAGE_KEYS
        assert set(passage["citation"]) == CITATION_KEYS
        assert passage["citation"]["label"] == f"[{n}]"
        assert isinstance(passage["score"], float)


def test_ask_says_when_the_documents_do_not_cover_a_question(runner: CliRunner) -> None:
    result = run(runner, "ask", "What is the capital of France?")
    assert result.exit_code == 0
    assert "I could not find that in our documents" in result.output
    assert "Sources:" not in result.output
    assert "Note: This is general information" in result.output
    data = json.loads(run(runner, "ask", "--json", "What is the capital of France?").stdout)
    assert data["type"] == "not_found"
    assert data["passages"] == []


def test_ask_top_k_and_corpus(runner: CliRunner, corpus_dir: Path) -> None:
    result = run(runner, "ask", "--json", "--top-k", "1", "--corpus", str(corpus_dir), "How long does botox last?")
    data = json.loads(result.stdout)
    assert len(data["passages"]) == 1
    assert data["passages"][0]["citation"]["source"] == "small.md"


def test_same_question_gives_byte_identical_json_across_processes() -> None:
    outputs = []
    for seed in ("1", "2"):
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHATBOT_")} | {"PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-m", "chatbot", "ask", "--json", "How long does botox last after the jab?"],
            capture_output=True,
            timeout=60,
            env=env,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", "--top-k", "0", "botox"], "--top-k"),
        (["ask", "--top-k", "many", "botox"], "--top-k"),
        (["ask", "   "], "question is empty"),
        (["ask"], "QUESTION"),
        (["ask", "--corpus", "/nonexistent-corpus-folder", "botox"], "does not exist"),
        (["index", "--corpus", "/nonexistent-corpus-folder"], "does not exist"),
        (["chat", "--corpus", "/nonexistent-corpus-folder"], "does not exist"),
        (["ask", "--config", "/nonexistent-profile.toml", "botox"], "does not exist"),
    ],
)
def test_usage_errors_exit_2_with_a_message(runner: CliRunner, args: list[str], message: str) -> None:
    result = run(runner, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_an_empty_corpus_folder_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    for command in (["ask", "botox"], ["index"]):
        result = run(runner, *command[:1], "--corpus", str(tmp_path), *command[1:])
        assert result.exit_code == 2
        assert "no documents found" in result.output
        assert str(tmp_path) in result.output


def test_environment_overrides_defaults_and_flags_override_environment(runner: CliRunner) -> None:
    question = "What are the risks of MVD?"
    data = json.loads(run(runner, "ask", "--json", question, env={"CHATBOT_TOP_K": "1"}).stdout)
    assert len(data["passages"]) == 1
    data = json.loads(run(runner, "ask", "--json", "--top-k", "2", question, env={"CHATBOT_TOP_K": "1"}).stdout)
    assert len(data["passages"]) == 2
    data = json.loads(run(runner, "ask", "--json", question, env={"CHATBOT_DISCLAIMER": "See your GP."}).stdout)
    assert data["disclaimer"] == "See your GP."


def test_a_bad_environment_value_names_the_key(runner: CliRunner) -> None:
    result = run(runner, "ask", "botox", env={"CHATBOT_TOP_K": "lots"})
    assert result.exit_code == 2
    assert "top_k" in result.output
    assert "lots" in result.output


def test_a_clinic_profile_sets_the_clinic_details(runner: CliRunner, tmp_path: Path) -> None:
    profile = tmp_path / "clinic.toml"
    profile.write_text('clinic_name = "Riverside Clinic"\nclinic_phone = "020 7946 0000"\n', encoding="utf-8")
    result = run(runner, "ask", "--json", "--config", str(profile), "What is the capital of France?")
    data = json.loads(result.stdout)
    assert "020 7946 0000" in data["reply"]
    assert "Riverside Clinic" in data["notice"]


# --- index ------------------------------------------------------------------


def test_index_lists_both_documents_with_their_sections(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, "index", env={"CHATBOT_INDEX_CACHE": str(tmp_path)})  # nothing written into the repo
    assert result.exit_code == 0
    assert "2 documents" in result.output
    for expected in (
        "Hemifacial Spasm (HFS) and Microvascular Decompression (MVD)",
        "Treatment Options for Hemifacial Spasm",
        "Risks & Complications",
        "Treatment Options > 2. Microvascular Decompression (MVD)",
        "How MVD Works",
    ):
        assert expected in result.output
    assert "OK: every file loaded." in result.output


def test_index_json(runner: CliRunner, tmp_path: Path) -> None:
    data = json.loads(run(runner, "index", "--json", env={"CHATBOT_INDEX_CACHE": str(tmp_path)}).stdout)
    assert [d["id"] for d in data["documents"]] == ["hfs-microvascular-decompression", "hfs-treatment-options"]
    assert data["passages"] == sum(d["passages"] for d in data["documents"])
    assert data["errors"] == []


def test_index_exits_1_and_names_the_bad_file_and_line(runner: CliRunner, corpus_dir: Path) -> None:
    (corpus_dir / "broken.csv").write_text("question,answer\nWhere?,Here.\nWhen?,\n", encoding="utf-8")
    result = run(runner, "index", "--corpus", str(corpus_dir))
    assert result.exit_code == 1
    assert f"{corpus_dir / 'broken.csv'}:3" in result.output
    assert "Small test document" in result.output  # the rest still loads
    # asking still works from the documents that loaded
    assert run(runner, "ask", "--corpus", str(corpus_dir), "botox").exit_code == 0


def test_index_warns_about_empty_sections_and_duplicates(runner: CliRunner, corpus_dir: Path) -> None:
    (corpus_dir / "copy.md").write_text(
        "# Copy\n\n## Nothing here\n\n## Botox\n\nBotulinum toxin injections relax the twitching muscles. "
        "The effect lasts about three months.\n",
        encoding="utf-8",
    )
    result = run(runner, "index", "--corpus", str(corpus_dir))
    assert result.exit_code == 0
    assert "warning: copy.md: section 'Nothing here' has no text" in result.output
    assert "warning: 2 passages have the same text" in result.output


# --- chat -------------------------------------------------------------------


def test_chat_answers_shows_a_source_and_quits_cleanly(runner: CliRunner) -> None:
    result = run(runner, "chat", input="How long does Botox last?\nshow 1\nshow 9\nhelp\nquit\n")
    assert result.exit_code == 0
    out = result.output
    assert "documents" in out and "passages" in out
    assert "[1] " in out
    assert "(line " in out  # 'show 1' says where the passage is in its file
    assert "The last answer has sources 1 to" in out
    assert "show N" in out
    assert out.rstrip().endswith("Goodbye.")


def test_chat_show_before_any_answer_and_new_conversation(runner: CliRunner) -> None:
    result = run(runner, "chat", input="show 1\nnew\n\nexit\n")
    assert result.exit_code == 0
    assert "ask a question first" in result.output
    assert "New conversation." in result.output


def test_chat_ends_cleanly_at_end_of_input(runner: CliRunner) -> None:
    result = run(runner, "chat", input="What is the capital of France?\n")
    assert result.exit_code == 0
    assert "I could not find that in our documents" in result.output
    assert "Goodbye." in result.output
