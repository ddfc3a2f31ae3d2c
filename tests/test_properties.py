"""Property-based tests (hypothesis): hostile text never crashes analysis, passage
splitting or the conversation-context decoder, and never takes unbounded time.

Time is bounded by hypothesis' per-example ``deadline`` (generous, so a slow CI
machine does not flake; a catastrophic regex or a quadratic loop blows far past it).
``HYPOTHESIS_EXAMPLES`` raises the number of examples for a longer local run.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatbot.clinic import bundled_corpus_dir
from chatbot.documents.load import read_document
from chatbot.documents.model import CorpusError
from chatbot.documents.passages import split, split_sentences
from chatbot.text.analyzer import MAX_QUERY_CHARS, Analyzer
from chatbot.text.lexicon import Synonyms, load_synonyms
from chatbot.text.normalise import normalise
from chatbot.text.spelling import Vocabulary

EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "60"))
FAST = settings(max_examples=EXAMPLES, deadline=timedelta(seconds=2), suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(
    max_examples=max(5, EXAMPLES // 6),
    deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

ZERO_WIDTH_AND_BIDI = "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u202a\u202b\u202c\u202d\u202e\u00ad"
CONTROL = "".join(map(chr, [*range(0, 32), 127, *range(0x80, 0xA0)]))
RTL_LETTERS = "אבגדהוזחטיכלמנסעפצקרשת" + "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
WORDS = ["botox", "mvd", "spasm", "nerve", "surgery", "risks", "recovery", "90%", "3-6", "per", "cent", "e.g.", "Dr."]

# Unicode text of every kind, including control, format (zero-width, bidi) and private-use characters.
any_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=400)
# Text built to stress the tokenizer: corpus words, digits, punctuation, RTL letters, invisible characters.
hostile_text = st.lists(
    st.one_of(
        st.sampled_from(WORDS),
        st.text(alphabet=RTL_LETTERS, min_size=1, max_size=12),
        st.text(alphabet=ZERO_WIDTH_AND_BIDI + CONTROL, min_size=1, max_size=4),
        st.text(alphabet="0123456789.,-%<>'\"!?()[] \n\t", min_size=1, max_size=8),
        st.just("a" * 500),
    ),
    max_size=60,
).map(" ".join)
# Letters that never combine with a neighbour under NFKC, for the "invisible characters are ignored" property.
plain_letters = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?%-'" + RTL_LETTERS),
    max_size=200,
)

_TOKEN_SHAPE = re.compile(
    r"[<>]?\d{1,12}(?:[.,]\d{1,6})?(?:-\d{1,12}(?:[.,]\d{1,6})?)?%?"  # numbers, ranges, percentages
    r"|[^\W\d_]{1,60}(?:'[^\W\d_]{1,20})?"  # words
)


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer.default(load_synonyms(bundled_corpus_dir() / "synonyms.yaml"))


@pytest.fixture(scope="module")
def vocabulary(bot: object) -> Vocabulary:
    return bot.index.vocabulary  # type: ignore[attr-defined, no-any-return]


# --- analysis -------------------------------------------------------------------------------


@FAST
@given(text=st.one_of(any_text, hostile_text))
def test_tokens_are_clean_words_or_numbers(analyzer: Analyzer, text: str) -> None:
    tokens = analyzer.tokens(text)
    for token in tokens:
        assert token, "empty token"
        assert _TOKEN_SHAPE.fullmatch(token) or _TOKEN_SHAPE.fullmatch(token + "'s"), token
        assert not any(ch in ZERO_WIDTH_AND_BIDI or ch in CONTROL or ch.isspace() for ch in token), repr(token)
    assert len(tokens) <= len(normalise(text))  # "¼" is "1⁄4" after NFKC: two numbers from one character


@FAST
@given(text=plain_letters, data=st.data())
def test_invisible_characters_do_not_change_tokens(analyzer: Analyzer, text: str, data: st.DataObject) -> None:
    """Zero-width and bidi controls pasted into a word (a common copy-paste artefact, or an
    attempt to slip a word past a filter) are removed before tokenising."""
    positions = data.draw(st.lists(st.integers(0, len(text)), max_size=8))
    junk = data.draw(st.lists(st.sampled_from(ZERO_WIDTH_AND_BIDI), min_size=len(positions), max_size=len(positions)))
    spiked = text
    for position, char in sorted(zip(positions, junk, strict=True), reverse=True):
        spiked = spiked[:position] + char + spiked[position:]
    assert analyzer.tokens(spiked) == analyzer.tokens(text)
    assert analyzer.terms(spiked) == analyzer.terms(text)


@FAST
@given(text=st.one_of(any_text, hostile_text))
def test_normalise_is_stable_text(text: str) -> None:
    """Invisible characters, typographic dashes and quotes never reach the tokenizer."""
    out = normalise(text)
    assert not any(ch in out for ch in ZERO_WIDTH_AND_BIDI)
    assert not any(ch in out for ch in "\u2010\u2013\u2014\u2212\u2018\u2019\u201c\u201d\u00ab\u00bb")


@FAST
@given(text=st.one_of(any_text, hostile_text))
def test_query_never_crashes_and_terms_are_words(analyzer: Analyzer, vocabulary: Vocabulary, text: str) -> None:
    query = analyzer.query(text, vocabulary)
    assert query.text == text
    assert all(isinstance(term, str) and term for term in query.terms)
    for correction in query.corrections:
        assert correction.corrected in vocabulary
        assert correction.original != correction.corrected


@SLOW
@given(unit=st.one_of(any_text, hostile_text).filter(bool), repeat=st.integers(200, 2000))
def test_huge_query_is_cut_at_the_limit(analyzer: Analyzer, vocabulary: Vocabulary, unit: str, repeat: int) -> None:
    """A message of megabytes is analysed only up to MAX_QUERY_CHARS (the API caps it earlier)."""
    text = (unit * repeat)[: MAX_QUERY_CHARS * 3]
    query = analyzer.query(text, vocabulary)
    assert len(query.words) <= MAX_QUERY_CHARS
    head = analyzer.query(text[:MAX_QUERY_CHARS], vocabulary)
    assert query.terms == head.terms


@SLOW
@given(
    word=st.text(alphabet=st.characters(categories=["Ll", "Lu", "Lo"]), min_size=1, max_size=30),
    repeat=st.integers(1, 5000),
)
def test_long_and_repeated_words_in_passage_text(analyzer: Analyzer, word: str, repeat: int) -> None:
    """Passage text is not capped: thousands of repeated words and very long words stay linear."""
    text = " ".join([word] * repeat) + " " + word * 400
    terms = analyzer.terms(text)
    tokens = analyzer.tokens(text)
    assert len(tokens) <= len(normalise(text))  # "¼" is "1⁄4" after NFKC: two numbers from one character
    assert len(terms) <= 3 * len(tokens) + 10  # a word yields its stem and at most a few concept/number forms


@FAST
@given(word=st.text(min_size=0, max_size=40))
def test_spelling_correction_is_a_near_corpus_word(vocabulary: Vocabulary, word: str) -> None:
    fixed = vocabulary.closest(word)
    if fixed is not None:
        assert fixed in vocabulary
        assert abs(len(fixed) - len(word)) <= 2


@FAST
@given(body=st.one_of(any_text, hostile_text))
def test_broken_synonyms_file_is_a_corpus_error_or_loads(body: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "synonyms.yaml"
        path.write_text(body, encoding="utf-8")
        try:
            synonyms = load_synonyms(path)
        except CorpusError as exc:
            assert str(path) in str(exc)
        else:
            assert isinstance(synonyms, Synonyms)


# --- passages -----------------------------------------------------------------------------------

markdownish = st.lists(
    st.one_of(
        any_text,
        hostile_text,
        st.sampled_from(["# Title", "## Section", "### Sub", "- item", "* item", "1. step", "---", "```", "", "\n"]),
        st.builds(lambda w: "## " + w, hostile_text),
        st.builds(lambda w: "- " + w, hostile_text),
    ),
    max_size=40,
).map("\n".join)


def _read(text: str, suffix: str) -> tuple[object, str] | None:
    """Read ``text`` as a corpus file; a CorpusError (naming the file) is an accepted outcome."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"doc{suffix}"
        path.write_text(text, encoding="utf-8")
        try:
            return read_document(path), str(path)
        except CorpusError as exc:
            assert exc.path == path
            return None


def _check_passages(document: object) -> None:
    passages = split(document)  # type: ignore[arg-type]
    text = document.text  # type: ignore[attr-defined]
    ids = [passage.id for passage in passages]
    assert len(ids) == len(set(ids)), "passage ids must be unique"
    previous_end = 0
    for passage in passages:
        assert 0 <= passage.start < passage.end <= len(text)
        assert text[passage.start : passage.end] == passage.text
        assert passage.text.strip()
        assert passage.start >= previous_end, "passages overlap or go backwards"
        previous_end = passage.end


@FAST
@given(text=markdownish)
def test_markdown_documents_split_with_true_offsets(text: str) -> None:
    result = _read(text, ".md")
    if result is not None:
        _check_passages(result[0])


@FAST
@given(text=markdownish)
def test_text_documents_split_with_true_offsets(text: str) -> None:
    result = _read(text, ".txt")
    if result is not None:
        _check_passages(result[0])


@SLOW
@given(sentence=hostile_text.filter(str.strip), repeat=st.integers(500, 4000))
def test_huge_document_splits(sentence: str, repeat: int) -> None:
    text = "# Big\n\n## Part\n\n" + " ".join([sentence.replace("\n", " ") + "."] * repeat)
    result = _read(text, ".md")
    if result is not None:
        _check_passages(result[0])


@FAST
@given(text=st.one_of(any_text, hostile_text, markdownish), offset=st.integers(0, 10_000))
def test_sentence_spans_cover_every_visible_character(text: str, offset: int) -> None:
    spans = split_sentences(text, offset)
    covered = set()
    last = offset
    for start, end in spans:
        assert last <= start <= end <= offset + len(text)
        covered.update(range(start - offset, end - offset))
        last = end
    for i, ch in enumerate(text):
        if not ch.isspace():
            assert i in covered, f"character {ch!r} at {i} is in no sentence"


# --- the conversation-context decoder -----------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | any_text,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(any_text, children, max_size=5),
    max_leaves=20,
)
topic_words = st.lists(
    st.one_of(st.sampled_from(WORDS), st.text(min_size=0, max_size=60), st.text(alphabet=RTL_LETTERS, max_size=10)),
    max_size=10,
)


def _decode_or_error(token: object) -> object:
    from chatbot.dialogue.context import decode_context
    from chatbot.errors import RequestError

    try:
        return decode_context(token)
    except RequestError as exc:
        assert exc.code == "bad_context" and exc.status == 400
        assert "Traceback" not in exc.message
        return exc


@FAST
@given(token=st.one_of(json_values, any_text, hostile_text))
def test_context_decoder_refuses_anything_forged(token: object) -> None:
    from chatbot.dialogue.context import Context

    result = _decode_or_error(token)
    if isinstance(result, Context):
        assert all(isinstance(word, str) for word in result.topic)


@FAST
@given(
    payload=st.one_of(
        json_values.map(lambda value: __import__("json").dumps(value)),
        st.binary(max_size=300).map(lambda raw: raw.decode("latin-1")),
    )
)
def test_context_decoder_refuses_forged_tokens_in_the_right_format(payload: str) -> None:
    """A token with the right prefix, alphabet and signature but a payload we never issued."""
    import base64

    from chatbot.dialogue import context as conversation
    from chatbot.dialogue.context import MAX_TOPIC_WORDS, Context

    body = base64.urlsafe_b64encode(payload.encode("utf-8", "surrogatepass")).decode("ascii").rstrip("=")
    # Signed as the chatbot signs, so the strict parser behind the signature is what is tried.
    result = _decode_or_error(f"c2.{body}.{conversation._sign(conversation._PROCESS_KEY, body)}")
    if isinstance(result, Context):
        assert len(result.topic) <= MAX_TOPIC_WORDS
        assert all(isinstance(word, str) and 0 < len(word) <= 40 for word in result.topic)


@FAST
@given(words=topic_words, cut=st.integers(0, 600), data=st.data())
def test_context_round_trips_and_truncation_is_refused_or_harmless(
    words: list[str], cut: int, data: st.DataObject
) -> None:
    from chatbot.dialogue.context import MAX_TOKEN_CHARS, MAX_TOPIC_WORDS, Context, encode_context

    token = encode_context(Context(topic=tuple(words)))
    assert len(token) <= MAX_TOKEN_CHARS
    decoded = _decode_or_error(token)
    assert isinstance(decoded, Context), decoded
    assert len(decoded.topic) <= MAX_TOPIC_WORDS
    assert set(decoded.topic) <= set(words)
    # Truncated, or with one character flipped: refused, or a valid (harmless) context.
    _decode_or_error(token[: min(cut, len(token))])
    position = data.draw(st.integers(0, max(0, len(token) - 1)))
    flipped = token[:position] + data.draw(st.characters(exclude_categories=["Cs"])) + token[position + 1 :]
    _decode_or_error(flipped)


@SLOW
@given(unit=st.text(min_size=1, max_size=20), repeat=st.integers(1_000, 100_000))
def test_context_decoder_is_fast_on_huge_tokens(unit: str, repeat: int) -> None:
    from chatbot.dialogue.context import Context

    result = _decode_or_error("c2." + unit * repeat)
    assert not isinstance(result, Context)


@FAST
@given(text=st.text(alphabet=st.characters(max_codepoint=127), max_size=300))
def test_the_ascii_tokenizer_finds_the_same_tokens(text: str) -> None:
    """ASCII text is scanned with a simpler pattern (indexing speed); it must find exactly what the general one does."""
    from chatbot.text.normalise import _TOKEN, _TOKEN_ASCII

    folded = normalise(text)
    assert folded.isascii()
    assert _TOKEN_ASCII.findall(folded) == _TOKEN.findall(folded)
