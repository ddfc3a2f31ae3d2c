"""Defaults from the corpus: suggestions, the not-found topics and the small-talk subject.

A corpus folder without its own clinic.yaml takes them from its documents, never from the
bundled corpus; a clinic.yaml or the `suggestions` setting overrides them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chatbot.bot import Bot
from chatbot.clinic import ClinicProfile, clinic_for, load_clinic
from chatbot.config import Settings, setting_docs
from chatbot.dialogue.reply import ReplyType
from chatbot.documents.defaults import corpus_questions
from chatbot.errors import CorpusError

DEVSETS = Path(__file__).resolve().parents[1] / "devsets"
#: Words of the bundled corpus's subject that no other corpus's replies may contain.
BUNDLED = re.compile(r"hemifacial|botox|\bmvd\b|microvascular", re.IGNORECASE)

FAQ_CORPUS = {
    "gout.md": """# Gout

## What causes gout?

Gout is caused by uric acid crystals that collect in a joint, most often the big toe.

## How is gout treated?

Gout attacks are treated with anti-inflammatory medicines, rest and ice on the joint.
""",
    "bunions.md": """# Bunions

## What is a bunion?

A bunion is a bony bump at the base of the big toe that pushes the toe inwards.

## Do bunions need surgery?

Bunions need surgery only when wider shoes and padding do not ease the pain.
""",
}

SECTION_CORPUS = {
    "asthma.md": """# Asthma

## Triggers

Asthma attacks are set off by pollen, dust mites, cold air and exercise in many people.

## Inhalers

A reliever inhaler opens the airways within minutes; a preventer inhaler is taken every day.
""",
    "eczema.md": """# Eczema

## Moisturisers

Eczema skin needs thick moisturisers applied several times a day, even when it looks clear.

## Flare-ups

Eczema flare-ups are calmed with steroid creams prescribed by a doctor for a short time.
""",
}


def _corpus(tmp_path: Path, files: dict[str, str], clinic: str | None = None) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    if clinic is not None:
        (folder / "clinic.yaml").write_text(clinic, encoding="utf-8")
    return folder


def _bot(corpus: Path, **settings: object) -> Bot:
    return Bot.from_settings(Settings(corpus=corpus, index_cache=corpus.parent / "index", **settings))


@pytest.mark.parametrize(
    ("files", "suggestions", "topics", "subject"),
    [
        (
            FAQ_CORPUS,
            ("What is a bunion?", "What causes gout?", "Do bunions need surgery?", "How is gout treated?"),
            ["Bunions", "Gout"],
            "Bunions and Gout",
        ),
        (
            SECTION_CORPUS,
            ("Asthma: Triggers", "Eczema: Moisturisers", "Asthma: Inhalers", "Eczema: Flare-ups"),
            ["Asthma", "Eczema", "Triggers", "Inhalers", "Moisturisers", "Flare-ups"],
            "Asthma and Eczema",
        ),
    ],
    ids=["question-headings", "section-headings"],
)
def test_another_corpus_offers_its_own_questions_and_topics(
    tmp_path: Path, files: dict[str, str], suggestions: tuple[str, ...], topics: list[str], subject: str
) -> None:
    bot = _bot(_corpus(tmp_path, files))
    assert bot.clinic == ClinicProfile()  # no clinic.yaml: nothing borrowed from the bundled corpus
    assert bot.suggestions == suggestions
    assert bot.topics() == topics
    hello = bot.ask("hello")
    assert hello.type is ReplyType.SMALLTALK
    assert hello.suggestions == suggestions
    assert f"I answer questions about {subject} by quoting" in hello.reply
    declined = bot.ask("What is the capital of France?")
    assert declined.type is ReplyType.NOT_FOUND
    assert f"Our documents cover topics such as: {', '.join(topics)}." in declined.reply
    assert declined.suggestions == suggestions
    for reply in (hello, declined, bot.ask("goodbye"), bot.ask("who are you?")):
        assert not BUNDLED.search(reply.reply + " ".join(reply.suggestions))


def test_clinic_yaml_and_the_setting_override_the_corpus(tmp_path: Path) -> None:
    clinic = "topic: foot problems\nsuggestions: ['Is gout painful?']\ntopics: [Feet, Toes]\n"
    corpus = _corpus(tmp_path, FAQ_CORPUS, clinic)
    bot = _bot(corpus)
    assert bot.suggestions == ("Is gout painful?",)
    assert bot.topics() == ["Feet", "Toes"]
    assert "I answer questions about foot problems by quoting" in bot.ask("hi").reply
    assert _bot(corpus, suggestions=("What is a bunion?",)).suggestions == ("What is a bunion?",)


def test_a_clinic_file_may_leave_fields_out_and_still_names_bad_ones(tmp_path: Path) -> None:
    path = tmp_path / "clinic.yaml"
    path.write_text("examples: such as gout\n", encoding="utf-8")
    assert load_clinic(path) == ClinicProfile(examples="such as gout")
    (tmp_path / "other").mkdir()
    assert clinic_for(tmp_path / "other") == ClinicProfile()
    path.write_text("topics: Feet\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="'topics:' must be a list"):
        load_clinic(path)


@pytest.mark.parametrize("name", ["ortho", "heart", "senses"])
def test_the_dev_corpora_never_offer_the_bundled_subject(tmp_path: Path, name: str) -> None:
    corpus = DEVSETS / name / "corpus"
    bot = Bot.from_settings(Settings(corpus=corpus, index_cache=tmp_path))
    assert len(bot.suggestions) >= 3
    own = set(corpus_questions(bot.corpus.documents))
    assert set(bot.suggestions) <= own
    for message in ("hello", "help", "What is the capital of France?"):
        reply = bot.ask(message)
        assert not BUNDLED.search(reply.reply + " ".join(reply.suggestions)), message
        assert reply.suggestions == bot.suggestions


@pytest.mark.parametrize("name", ["ortho", "heart"])
def test_the_pages_served_for_another_corpus_name_its_subject_not_the_bundled_one(tmp_path: Path, name: str) -> None:
    from chatbot.api.app import create_app

    bot = Bot.from_settings(Settings(corpus=DEVSETS / name / "corpus", index_cache=tmp_path))
    client = create_app(Settings(corpus=DEVSETS / name / "corpus", rate_limit="off"), bot=bot).test_client()
    for path in ("/", "/desk", "/widget-demo", "/widget.js"):
        text = client.get(path).get_data(as_text=True)
        assert not BUNDLED.search(text), path
    heading = re.search(r"<h1 data-subject>([^<]*)</h1>", client.get("/").get_data(as_text=True))
    assert heading and heading.group(1).lower() == bot.subject.lower()


def test_the_web_files_name_no_corpus_subject() -> None:
    web = Path(__file__).resolve().parents[2] / "web"
    for path in web.rglob("*"):
        if path.suffix in {".html", ".js", ".css"}:
            assert not BUNDLED.search(path.read_text(encoding="utf-8")), path.name


def test_the_bundled_corpus_keeps_its_clinic_file() -> None:
    bot = Bot.from_settings(Settings())
    assert bot.suggestions == bot.clinic.suggestions
    assert "What is hemifacial spasm?" in bot.suggestions
    assert "hemifacial spasm" in bot.ask("hello").reply


def test_no_bundled_subject_in_the_settings_defaults() -> None:
    assert Settings().suggestions == ()
    assert not BUNDLED.search(" ".join(default for _, default, _ in setting_docs()))


@pytest.mark.parametrize(
    ("heading", "shown"),
    [("What is (are) Knee Replacement ?", "What is (are) Knee Replacement?"), ("Who is at risk? ?", "Who is at risk?")],
)
def test_question_headings_are_tidied(tmp_path: Path, heading: str, shown: str) -> None:
    corpus = _corpus(tmp_path, {"a.md": f"# Knees\n\n## {heading}\n\nKnee joints wear with age and weight.\n"})
    bot = _bot(corpus)
    assert corpus_questions(bot.corpus.documents) == [shown]
