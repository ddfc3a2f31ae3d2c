"""``chatbot index``'s report: documents, sections, passage counts, warnings and errors."""

from __future__ import annotations

from pathlib import Path

from chatbot.bot import Bot
from chatbot.config import Settings
from chatbot.evaluation.corpus_report import corpus_report


def test_bundled_report_lists_documents_sections_and_counts(bot: Bot) -> None:
    report = corpus_report(bot)
    assert [d.id for d in report.documents] == ["hfs-microvascular-decompression", "hfs-treatment-options"]
    assert report.passages == len(bot.passages) == sum(d.passages for d in report.documents)
    mvd = report.documents[0]
    sections = dict(mvd.sections)
    assert sections["(introduction)"] == 1
    assert sections["Treatment Options"] == 0  # its text is in its two subsections
    assert sections["Treatment Options > 2. Microvascular Decompression (MVD)"] >= 1
    assert sum(sections.values()) == mvd.passages
    assert report.errors == ()
    assert not [w for w in report.warnings if "has no text" in w]  # a parent section with subsections is fine


def test_report_to_dict_matches_the_rendered_text(bot: Bot) -> None:
    report = corpus_report(bot)
    data = report.to_dict()
    assert set(data) == {"corpus", "documents", "passages", "errors", "warnings"}
    text = report.render()
    for document in data["documents"]:
        assert document["title"] in text
        for section in document["sections"]:
            assert f"  {section['section']}  ({section['passages']} passage" in text
    assert text.endswith("OK: every file loaded.")


def test_report_warns_about_empty_sections_duplicates_and_lists_errors(tmp_path: Path) -> None:
    text = "Botox injections relax the twitching muscles for about three months."
    (tmp_path / "a.md").write_text(f"# A\n\n## Botox\n\n{text}\n\n## Empty\n", encoding="utf-8")
    (tmp_path / "b.md").write_text(f"# B\n\n## Injections\n\n{text}\n", encoding="utf-8")
    (tmp_path / "c.jsonl").write_text('{"question": "Q?"}\n', encoding="utf-8")
    report = corpus_report(Bot.from_settings(Settings(corpus=tmp_path)))
    assert "a.md: section 'Empty' has no text" in report.warnings
    assert any(w.startswith("2 passages have the same text") for w in report.warnings)
    assert len(report.errors) == 1 and "c.jsonl:1" in report.errors[0]
    rendered = report.render()
    assert "error: " in rendered
    assert "1 file(s) could not be loaded" in rendered


def test_faq_documents_are_summarised_by_rows(tmp_path: Path) -> None:
    (tmp_path / "faq.csv").write_text("question,answer\nA?,Yes.\nB?,No.\n", encoding="utf-8")
    report = corpus_report(Bot.from_settings(Settings(corpus=tmp_path)))
    assert report.documents[0].format == "faq"
    assert report.documents[0].passages == 2
    assert report.documents[0].sections == (("2 FAQ rows", 0),)
