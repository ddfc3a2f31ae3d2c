"""Text analysis, through its public behaviour: what a question in one wording finds.

The analysis is being tuned, so these tests pin what a patient sees (the same passages
for dashes, spellings and lay words; spelling corrections reported), not the terms.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from chatbot.bot import Bot
from chatbot.documents.passages import Passage
from chatbot.errors import CorpusError
from chatbot.retrieval.index import PassageIndex
from chatbot.text.analyzer import Analyzer
from chatbot.text.lexicon import Synonyms, load_stopwords, load_synonyms
from chatbot.text.normalise import normalise
from chatbot.text.spelling import Vocabulary


def hit_ids(bot: Bot, question: str, top_k: int = 50) -> list[str]:
    index = bot.index
    return [hit.passage.id for hit in index.search(index.query(question), top_k=top_k)]


def containing(bot: Bot, text: str) -> set[str]:
    return {p.id for p in bot.passages if text in p.text}


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("3\u20136 months", "3-6 months"),  # en dash
        ("long\u2014lasting", "long-lasting"),  # em dash
        ("\u22125", "-5"),  # minus sign
        ("don\u2019t", "don't"),  # curly apostrophe
        ("\u201cBotox\u201d", '"botox"'),  # curly quotes
        ("MVD\u200b", "mvd"),  # zero-width space
        ("\uff2d\uff36\uff24", "mvd"),  # full-width letters
    ],
)
def test_normalise_folds_unicode_punctuation_and_case(raw: str, folded: str) -> None:
    assert normalise(raw) == folded


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("3\u20136 months", "3-6 months"),
        ("relief for 3\u20136 months", "relief for 3 - 6 months"),
        ("2\u20133 days", "2-3 days"),
        ("\u201cBotox\u201d", "Botox"),
        ("It\u2019s safe", "It's safe"),
    ],
)
def test_dash_and_quote_variants_analyse_the_same(bot: Bot, one: str, other: str) -> None:
    analyzer = bot.index.analyzer
    if " - " not in other:
        assert analyzer.terms(one) == analyzer.terms(other)
    assert hit_ids(bot, one) == hit_ids(bot, other)


@pytest.mark.parametrize(
    ("question", "quoted"),
    [
        ("3\u20136 months", "3\u20136 months"),
        ("3-6 months", "3\u20136 months"),
        ("hospital stay 2-3 days", "2\u20133 days"),
        (">90%", ">90%"),
        ("<10%", "<10%"),
        ("85-90%", "85\u201390%"),
    ],
)
def test_numbers_ranges_and_percentages_are_searchable(bot: Bot, question: str, quoted: str) -> None:
    wanted = containing(bot, quoted)
    assert wanted, quoted
    found = hit_ids(bot, question, top_k=3)
    assert found and found[0] in wanted
    assert wanted <= set(hit_ids(bot, question))


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (">90%", "more than 90%"),
        (">90%", "over 90 percent"),
        ("<10%", "less than 10%"),
        ("90%", "90 per cent"),
    ],
)
def test_comparisons_in_words_find_the_same_passages(bot: Bot, one: str, other: str) -> None:
    assert hit_ids(bot, one)[:1] == hit_ids(bot, other)[:1]
    assert set(hit_ids(bot, one)) == set(hit_ids(bot, other))


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("anaesthesia", "anesthesia"),
        ("tumour", "tumor"),
        ("operation", "surgery"),
        ("pills", "medication"),
        ("tablets", "medicines"),
        ("jab", "injection"),
        ("twitch", "spasm"),
        ("MVD", "microvascular decompression"),
        ("HFS", "hemifacial spasm"),
        ("Botox", "botulinum toxin"),
        ("AICA", "anterior inferior cerebellar artery"),
        ("PICA", "posterior inferior cerebellar artery"),
        ("CSF", "cerebrospinal fluid"),
        ("MRI", "magnetic resonance imaging"),
    ],
)
def test_synonyms_abbreviations_and_spellings_find_the_same_passages(bot: Bot, one: str, other: str) -> None:
    first, second = hit_ids(bot, one), hit_ids(bot, other)
    assert first, one
    assert first[:1] == second[:1]
    assert set(first) == set(second)


@pytest.mark.parametrize(
    ("one", "other"),
    [("MRA", "MRI angiography"), ("CT", "computed tomography"), ("keyhole", "craniotomy"), ("meds", "drugs")],
)
def test_abbreviations_find_the_same_best_passage(bot: Bot, one: str, other: str) -> None:
    assert hit_ids(bot, one)[:1] == hit_ids(bot, other)[:1] != []


@pytest.mark.parametrize(
    ("british", "written"),
    [("anaesthesia", "general anesthesia"), ("tumours", "tumors")],
)
def test_british_spelling_finds_the_american_text(bot: Bot, british: str, written: str) -> None:
    assert hit_ids(bot, british)[0] in containing(bot, written)


@pytest.mark.parametrize(
    ("british", "american"),
    [
        ("tranquillisers", "tranquilizers"),
        ("travelled", "traveled"),
        ("cancelled", "canceled"),
        ("counselling", "counseling"),
        ("labelled", "labeled"),
        ("marvellous", "marvelous"),
    ],
)
def test_a_british_doubled_l_meets_the_american_spelling(british: str, american: str) -> None:
    from chatbot.text.stem import stem

    assert stem(british) == stem(american)


@pytest.mark.parametrize(("one", "other"), [("filling", "filing"), ("tilling", "tiling"), ("willing", "wiling")])
def test_a_stressed_doubled_l_is_kept(one: str, other: str) -> None:
    """Only the unstressed doubling is folded: a dental filling is no filing."""
    from chatbot.text.stem import american, stem

    assert american(one) == one
    assert stem(one) != stem(other)


@pytest.mark.parametrize(
    ("question", "wrong", "right"),
    [
        ("decompresion", "decompresion", "decompression"),
        ("hemifacial spazm", "spazm", "spasm"),
        ("what is carbamazapine", "carbamazapine", "carbamazepine"),
        ("is the craniotmy big", "craniotmy", "craniotomy"),
        ("how do the tabelts work", "tabelts", "tablets"),  # a plural of a synonym word
    ],
)
def test_misspellings_are_corrected_and_reported(bot: Bot, question: str, wrong: str, right: str) -> None:
    query = bot.index.query(question)
    assert [(c.original, c.corrected) for c in query.corrections] == [(wrong, right)]
    assert hit_ids(bot, question)[:1] == hit_ids(bot, question.replace(wrong, right))[:1]
    reply = bot.ask(question)
    assert {"from": wrong, "to": right} in reply.to_dict()["corrections"]


@pytest.mark.parametrize("question", ["What is hemifacial spasm?", "botox injections", "Is MVD safe?", "the"])
def test_words_in_the_corpus_or_synonyms_are_never_corrected(bot: Bot, question: str) -> None:
    assert bot.index.query(question).corrections == ()


def test_short_or_far_words_are_not_corrected(bot: Bot) -> None:
    query = bot.index.query("xylophone quantum cat")
    assert query.corrections == ()
    assert hit_ids(bot, "xylophone quantum cat") == []


@pytest.mark.parametrize("question", ["", "   ", "the and of", "is it what", "?!?", "..."])
def test_stopword_or_punctuation_only_questions_have_no_terms(bot: Bot, question: str) -> None:
    query = bot.index.query(question)
    assert query.is_empty
    assert hit_ids(bot, question) == []


@pytest.mark.parametrize(
    ("question", "around"),
    [
        ("my mothers twitch started at her eye, does it spread", "mothers"),
        ("my aunt has it, what can she do instead of surgery", "aunt"),
        ("will they'd do a scan after the operation", "they'd"),
        ("what will my face be like afterwards", "afterwards"),
    ],
)
def test_who_and_when_around_a_question_are_not_its_subject(bot: Bot, question: str, around: str) -> None:
    surfaces = [word.surface for word in bot.index.query(question).words]
    assert around not in surfaces and surfaces, surfaces


@pytest.mark.parametrize(
    ("question", "framing"),
    [
        ("some days i can barely keep my eye open, how bad does it get", "days"),
        ("where is the compression located", "located"),
        ("sorry my english not so good, is surgery safe", "english"),
    ],
)
def test_framing_words_are_general(bot: Bot, question: str, framing: str) -> None:
    words = {word.surface: word for word in bot.index.query(question).words}
    assert words[framing].general


@pytest.mark.parametrize(
    ("word", "derived"),
    [("leak", "leakage"), ("temporary", "temporarily"), ("gradual", "gradually"), ("xylophone", None)],
)
def test_a_word_the_corpus_lacks_is_searched_as_its_derivation(word: str, derived: str | None) -> None:
    vocabulary = Vocabulary(Counter({"leakage": 2, "temporarily": 1, "gradually": 1, "xylophones": 1}))
    assert vocabulary.derived(word) == derived


def test_numbers_from_ten_written_as_words_are_read_as_digits() -> None:
    analyzer = Analyzer.default()
    assert analyzer.tokens("is it like ninety percent after twelve weeks") == [
        "is",
        "it",
        "like",
        "90",
        "percent",
        "after",
        "12",
        "weeks",
    ]
    assert analyzer.tokens("which one is two") == ["which", "one", "is", "two"]  # one to nine stay words


def test_plural_and_inflected_forms_find_the_same_passages(bot: Bot) -> None:
    assert set(hit_ids(bot, "injection")) == set(hit_ids(bot, "injections"))
    assert set(hit_ids(bot, "compressing artery")) == set(hit_ids(bot, "compressed arteries"))


def test_a_very_long_question_is_analysed_safely(bot: Bot) -> None:
    query = bot.index.query("botox " * 50_000)
    assert query.terms
    assert len(query.text) == 300_000


def test_stopword_list_ships_with_the_package() -> None:
    stopwords = load_stopwords()
    assert {"the", "and", "of", "is"} <= stopwords
    assert not {"spasm", "botox", "pain", "surgery", "eye"} & stopwords


def test_a_clinic_can_add_its_own_synonyms(tmp_path: Path) -> None:
    passages = [
        Passage(
            id=f"d:{n}",
            document_id="d",
            title="T",
            section_path=("T",),
            text=text,
            start=0,
            end=len(text),
            source="d.md",
        )
        for n, text in enumerate(["Parking is free for patients.", "Botox injections last months."])
    ]
    plain = PassageIndex(passages, analyzer=Analyzer.default())
    assert plain.search(plain.query("leave my vehicle", correct_spelling=False), top_k=3) == []
    synonyms = Synonyms.from_mapping({"parking": ["parking", "leave my vehicle"]})
    index = PassageIndex(passages, analyzer=Analyzer.default(synonyms))
    for question in ("parking", "Where can I leave my vehicle?"):
        assert [hit.passage.id for hit in index.search(index.query(question), top_k=3)] == ["d:0"]


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ("concepts:\n  mvd: [mvd, microvascular\n", 3, "broken synonyms file"),
        ("- just\n- a list\n", 1, "concepts"),
        ("concepts:\n  mvd: 3\n", 2, "must be a list"),
    ],
)
def test_a_broken_synonyms_file_names_the_file_and_line(tmp_path: Path, content: str, line: int, message: str) -> None:
    path = tmp_path / "synonyms.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CorpusError, match=message) as caught:
        load_synonyms(path)
    assert caught.value.path == path
    assert caught.value.line == line


@pytest.mark.parametrize(
    ("question", "plain"),
    [
        ("how does botox actualy work", "actualy"),  # "actually", a stopword
        ("will it definately come back after mvd", "definately"),  # "definitely", a general word
        ("im scared of the mvd operation", "im"),  # "I'm" without its apostrophe
    ],
)
def test_misspelt_or_unapostrophised_plain_words_do_not_count_as_the_subject(
    bot: Bot, question: str, plain: str
) -> None:
    query = bot.index.query(question)
    assert plain not in [word.surface for word in query.words if not word.general]
    assert not query.corrections  # how it is asked: nothing to report to the visitor


@pytest.mark.parametrize("topic", ["flying", "shaving"])
def test_a_topic_word_is_not_read_as_a_shorter_plain_word(bot: Bot, topic: str) -> None:
    # "flying" is one letter from "lying", "shaving" from "having": they stay what they are.
    query = bot.index.query(f"is {topic} allowed after mvd")
    assert any(word.surface == topic and not word.general for word in query.words)


@pytest.mark.parametrize("question", ["botox every 3 mths", "is it 2 wks off work after mvd", "botox every 3 months"])
def test_abbreviated_units_of_time_make_a_duration(bot: Bot, question: str) -> None:
    query = bot.index.query(question)
    assert "=duration" in query.terms


@pytest.mark.parametrize("word", ["round", "creeping"])
def test_a_real_word_is_not_corrected_into_a_word_with_another_first_letter(bot: Bot, word: str) -> None:
    # "round" is one letter from the corpus word "around"; typing rarely gets a first letter wrong.
    query = bot.index.query(f"how long does one {word} of botox last")
    assert word not in [correction.original for correction in query.corrections]


@pytest.mark.parametrize(
    ("question", "wrong", "right"),
    [("how dangrous is mvd", "dangrous", "dangerous"), ("is the opration painful", "opration", "operation")],
)
def test_a_long_misspelt_synonym_is_corrected(bot: Bot, question: str, wrong: str, right: str) -> None:
    corrections = {(c.original, c.corrected) for c in bot.index.query(question).corrections}
    assert (wrong, right) in corrections


@pytest.mark.parametrize("word", ["caller", "shave"])
def test_a_short_real_word_is_not_turned_into_a_synonym(bot: Bot, word: str) -> None:
    # one letter from "calmer" and "shake", both synonym wordings the documents lack
    assert word not in [c.original for c in bot.index.query(f"{word} asks about mvd").corrections]


@pytest.mark.parametrize("question", ["wat r the risks of mvd", "hwo long is recovery befor work"])
def test_function_words_typed_on_a_phone_are_not_the_subject(bot: Bot, question: str) -> None:
    topical = [word.surface for word in bot.index.query(question).words if not word.general]
    assert not {"wat", "r", "hwo", "befor"} & set(topical)


@pytest.mark.parametrize(
    ("question", "wrong", "right"),
    [
        ("how long dose botoks last", "botoks", "botox"),  # spelt by ear: the same sounds, two letters off
        ("what causes hemifaishal spasm", "hemifaishal", "hemifacial"),
        ("is mvd painfull", "painfull", "painful"),  # an English word one letter off, which the corpus has as "pain"
    ],
)
def test_words_spelt_by_ear_or_misspelt_english_are_corrected(bot: Bot, question: str, wrong: str, right: str) -> None:
    query = bot.index.query(question)
    assert (wrong, right) in [(c.original, c.corrected) for c in query.corrections]
    reply = bot.ask(question)
    assert reply.type.value == "answer", reply.reply
    assert hit_ids(bot, question)[:1] == hit_ids(bot, question.replace(wrong, right))[:1]


@pytest.mark.parametrize("question", ["what is a kidney", "can i eat pizza", "does dose matter", "is xylophone music"])
def test_english_words_the_corpus_lacks_are_left_as_they_are(bot: Bot, question: str) -> None:
    # A real English word is never "corrected" into a corpus word, however it sounds.
    assert bot.index.query(question).corrections == ()


def test_sound_alike_correction_needs_the_same_sounds_and_few_changed_letters() -> None:
    from chatbot.text.spelling import Vocabulary, sounds_like

    words = Vocabulary({"physiotherapy": 3, "hemifacial": 5, "botox": 4, "cost": 9})
    assert sounds_like(words, "fisiotherapy") == "physiotherapy"  # ph and f: one sound
    assert sounds_like(words, "botoks") == "botox"
    assert sounds_like(words, "cast") is None  # too short to tell by sound
    assert sounds_like(words, "bottles") is None  # other sounds
    assert sounds_like(words, "hmfcl") is None  # the same consonants, too many letters away


@pytest.mark.parametrize(
    ("corpus", "message", "word"),
    [
        ("heart", "I need to cancel my appointment next tuesday", "cancel"),  # not "cancer"
        ("ortho", "What is a frozen shoulder?", "shoulder"),  # not "should"
        ("senses", "does chemo make your spit thick and sticky", "thick"),  # not "think"
        ("heart", "are black people more prone to hypertension", "black"),  # not "back"
    ],
)
def test_an_english_word_is_never_corrected_into_another_corpus_word(
    corpus: str, message: str, word: str, tmp_path: Path
) -> None:
    from chatbot.config import Settings

    folder = Path(__file__).resolve().parents[1] / "devsets" / corpus / "corpus"
    other = Bot.from_settings(Settings(corpus=folder, index_cache=tmp_path))
    assert word not in [c.original for c in other.index.query(message).corrections]
