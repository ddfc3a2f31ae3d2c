"""Question types: a heading that answers the kind of question asked ranks first, for any clinic's leaflets."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from chatbot.bot import Bot
from chatbot.config import Settings
from chatbot.retrieval.questiontypes import heading_types, question_types

DATA = Path(__file__).resolve().parents[2] / "chatbot" / "data" / "question_types.yaml"

# A leaflet in the MedQuAD style: the subject in every section, each section answering one kind of question.
GOUT = """# Gout

## What is gout?

Gout is a kind of arthritis. Gout makes a joint, often the big toe, hot, red and very painful.

## What causes gout?

Gout comes from uric acid crystals that build up in a joint. Gout is linked to diet, weight and kidneys.

## How many people are affected by gout?

Gout affects about 4 in every 100 adults. Gout is more usual in men than in women.

## How is gout treated?

Gout attacks are eased with anti-inflammatory tablets, rest and ice. Gout can be kept away with medicines.
"""


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("why does gout happen", "causes"),
        ("what percentage of adults get gout", "frequency"),
        ("how do they treat an attack", "treatment"),
        ("is it hereditary", "susceptibility"),
        ("anything new on the horizon from scientists?", "research"),
        ("what is a dexa scan", "information"),
        ("osteoporosis meaning??", "information"),
    ],
)
def test_the_kind_of_question_is_read_from_how_it_is_asked(question: str, kind: str) -> None:
    assert kind in question_types(question)


def test_plain_subject_words_name_no_kind() -> None:
    # Naming a treatment is not asking about treatment: "after surgery" asks when, not how it is treated.
    assert question_types("how soon after surgery does the twitching stop") == frozenset()
    assert heading_types("Knee Replacement") == frozenset()
    # "What is the ...?" asks about one aspect, not what the subject is.
    assert "information" not in question_types("what is the success rate of the operation")
    assert heading_types("What is the outlook for Knee Replacement ?") == frozenset({"outlook"})


@pytest.mark.parametrize(
    ("heading", "kind"),
    [
        ("What causes Osteoarthritis ?", "causes"),
        ("How many people are affected by Osteoarthritis ?", "frequency"),
        ("How common it is", "frequency"),
        ("Risk factors", "susceptibility"),
        ("Treatment Options", "treatment"),
        ("What is (are) Osteoarthritis ?", "information"),
        ("About heart attack", "information"),
    ],
)
def test_headings_in_either_style_have_their_kind(heading: str, kind: str) -> None:
    assert kind in heading_types(heading)


def test_every_type_has_question_and_heading_patterns() -> None:
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    assert len(data) >= 10
    for name, entry in data.items():
        assert set(entry) == {"question", "heading"}, name
        assert entry["question"] and entry["heading"], name


@pytest.mark.parametrize(
    ("question", "section"),
    [
        ("why does gout happen", "What causes gout?"),
        ("what percentage of adults get gout", "How many people are affected by gout?"),
    ],
)
def test_the_section_answering_that_kind_of_question_ranks_first(tmp_path: Path, question: str, section: str) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "gout.md").write_text(GOUT, encoding="utf-8")
    bot = Bot.from_settings(Settings(corpus=corpus, index_cache=tmp_path / "index"))
    _query, hits, _decision = bot.retrieve(question, top_k=3)
    assert hits and hits[0].passage.section_path[-1] == section
