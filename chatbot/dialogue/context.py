"""The follow-up context token: what a follow-up question needs, carried by the client.

The server keeps no per-visitor state. Each reply carries ``context``, an opaque
string the client sends back with its next message. It holds only the conversation
*topic*: up to :data:`MAX_TOPIC_WORDS` plain words taken from the last message that
named a subject ("microvascular decompression", "botox").

The token is ``c2.<payload>.<signature>``: the payload is base64url-encoded JSON
``{"v": 1, "topic": [...]}`` and the signature the first 16 bytes of its HMAC-SHA256
under the server's context key (:func:`chatbot.dialogue.contextkey.context_key`), base64url,
both without padding. It is bounded (:data:`MAX_TOKEN_CHARS`) and parsed strictly when
it comes back: the signature first (constant-time), then canonical base64 only, no
duplicate keys, ``v`` the integer 1, topic words matched to the end (a backslash-Z anchor, not a dollar).
:func:`read_context` returns ``None`` for a token that does not validate, so the caller
can drop it and restart the conversation (:class:`~chatbot.bot.Bot` does, and says so);
:func:`decode_context` raises :class:`~chatbot.errors.RequestError` instead.

Reading a follow-up (:func:`plan_turn`): a message's content words are split into
*subject* words (known to the corpus, e.g. "botox", "carbamazepine") and *aspect*
words that ask about an attribute of whatever is being discussed ("risks", "how
long", "recovery", "painful"). A message with subject words and no pronoun starts a
new topic; a message with only aspect words, or one that refers back ("it", "that",
"they"), is searched together with the previous topic.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from chatbot.errors import RequestError
from chatbot.text.analyzer import CONCEPT_PREFIX, Query
from chatbot.text.lexicon import Synonyms
from chatbot.text.stem import stem

__all__ = [
    "MAX_TOKEN_CHARS",
    "MAX_TOPIC_WORDS",
    "TOKEN_BODY",
    "TOKEN_PREFIX",
    "Context",
    "TurnPlan",
    "aspect_concepts",
    "asks_what_it_is",
    "decode_context",
    "encode_context",
    "plan_turn",
    "read_context",
    "refers_back",
    "retopic",
]

MAX_TOKEN_CHARS = 512
MAX_TOPIC_WORDS = 6
TOKEN_PREFIX = "c2."
_SIGNATURE_BYTES = 16
#: The token after its prefix: the payload and the signature, URL-safe base64 without padding.
TOKEN_BODY = r"([A-Za-z0-9_-]{1,480})\.([A-Za-z0-9_-]{22})"
_TOKEN = re.compile(re.escape(TOKEN_PREFIX) + TOKEN_BODY + r"\Z")
_WORD = re.compile(r"[^\W_][\w'-]{0,39}\Z")
#: The key when none is given (a library caller, a test): random, this process only.
_PROCESS_KEY = os.urandom(32)
_LETTERS = re.compile(r"[a-z']+")


def _words(text: str) -> list[str]:
    return text.split()


# Words that ask about an attribute of the current subject rather than name a new one.
_ASPECT_WORDS = _words(
    """
risk risks danger dangerous dangers safe safety complication complications side effect effects
recovery recover recovering heal healing long last lasts lasting duration time times take takes
often many much success successful rate rates work works working effective effectiveness cure cured
permanent permanently recur recurrence come back return returns hospital stay cost costs price pay
insurance covered pain painful hurt hurts sore scar scars prepare preparation before after expect
wait waiting alternative alternatives option options better best worse worst chance chances percent
odds age old young procedure operation surgery treatment therapy done perform performed involve
involves feel normal common rare usual usually typically soon quickly fast slow later again still
anymore happen happens happened next then afterwards results result outcome outcomes benefit
benefits downside downsides disadvantage disadvantages advantage advantages compare difference
differ need needed needs required require requires possible help helps stop stops start starts begin
expected typical average week weeks month months year years day days hour hours minute minutes
"""
)
# Words that frame a question but carry no subject.
_GENERIC_WORDS = _words(
    """
tell explain know describe mean means meaning information info learn say says said want need like
please question questions more detail details about also else exactly actually really thing things
kind sort type bit lot any anything something way ways get got go going much well yes no okay ok
"""
)
# Aspect words that also name a kind of subject: "the surgery" refers back to an operation
# under discussion, and names a new topic after a question about an injection.
_KIND_WORDS = _words("procedure operation surgery treatment therapy")
_KIND_STEMS = frozenset(stem(word) for word in _KIND_WORDS)
_REFERENCES = frozenset(_words("it its it's this that these those they them their theirs one ones same such"))
_NON_SUBJECT = frozenset(stem(word) for word in _ASPECT_WORDS + _GENERIC_WORDS)


def refers_back(text: str) -> bool:
    """Whether ``text`` points back at something said before ("it", "that", "they", "one")."""
    return not _REFERENCES.isdisjoint(_LETTERS.findall(text.lower().replace("\u2019", "'")))


@dataclass(frozen=True, slots=True)
class Context:
    """What a follow-up needs: the words of the current topic."""

    topic: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.topic


@dataclass(frozen=True, slots=True)
class TurnPlan:
    """How to search one message in a conversation, and the topic after it."""

    search_text: str
    topic: tuple[str, ...]
    follow_up: bool


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _sign(key: bytes, payload: str) -> str:
    return _b64(hmac.new(key, (TOKEN_PREFIX + payload).encode("ascii"), hashlib.sha256).digest()[:_SIGNATURE_BYTES])


@lru_cache(maxsize=4096)
def encode_context(context: Context, key: bytes | None = None) -> str:
    """The signed token for ``context`` (always under :data:`MAX_TOKEN_CHARS`)."""
    words = tuple(word for word in context.topic if _WORD.match(word))[:MAX_TOPIC_WORDS]
    data = json.dumps({"v": 1, "topic": list(words)}, separators=(",", ":"), ensure_ascii=True)
    payload = _b64(data.encode("ascii"))
    token = f"{TOKEN_PREFIX}{payload}.{_sign(key or _PROCESS_KEY, payload)}"
    if len(token) > MAX_TOKEN_CHARS:  # pragma: no cover - six 40-character words fit easily
        return encode_context(Context(topic=words[:-1]), key)
    return token


def _bad(reason: str) -> RequestError:
    # The reason never quotes the token: nothing a client sent is echoed back.
    return RequestError(
        "bad_context",
        f"'context' is not a value returned by this chatbot ({reason}); send it back unchanged or leave it out",
    )


def _unique(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate key")
    return dict(pairs)


def decode_context(token: object, key: bytes | None = None) -> Context:
    """Validate a token sent back by a client; ``None`` or ``""`` is an empty context.

    Raises :class:`~chatbot.errors.RequestError` (``bad_context``) for anything else
    that is not a token this server signed with ``key``, character for character.
    """
    if token is None or token == "":
        return Context()
    if not isinstance(token, str):
        raise _bad("expected a string")
    if len(token) > MAX_TOKEN_CHARS:
        raise _bad(f"longer than {MAX_TOKEN_CHARS} characters")
    match = _TOKEN.match(token)
    if match is None:
        raise _bad("unknown format")
    payload, signature = match.groups()
    if not hmac.compare_digest(signature, _sign(key or _PROCESS_KEY, payload)):
        raise _bad("not signed by this chatbot")
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        if _b64(raw) != payload:  # one spelling only: no stray bits in the last character
            raise ValueError("non-canonical base64")
        data = json.loads(raw.decode("ascii"), object_pairs_hook=_unique)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _bad("cannot be decoded") from None
    if not isinstance(data, dict) or set(data) != {"v", "topic"} or type(data["v"]) is not int or data["v"] != 1:
        raise _bad("unknown version or fields")
    topic = data["topic"]
    if not isinstance(topic, list) or len(topic) > MAX_TOPIC_WORDS:
        raise _bad(f"the topic must be a list of at most {MAX_TOPIC_WORDS} words")
    if not all(isinstance(word, str) and _WORD.match(word) for word in topic):
        raise _bad("the topic holds something other than plain words")
    return Context(topic=tuple(topic))


def read_context(token: str | None, key: bytes | None = None) -> Context | None:
    """:func:`decode_context`, but ``None`` for a token that does not validate (the caller
    drops it and starts the conversation again) instead of raising."""
    try:
        return decode_context(token, key)
    except RequestError:
        return None


_ASPECT_STEMS = frozenset(stem(word) for word in _ASPECT_WORDS)


def aspect_concepts(synonyms: Synonyms) -> frozenset[str]:
    """The synonym concepts that ask about an aspect of the subject, not name a subject.

    The synonyms file's ``aspects:`` list, else (a file without one) the concepts whose
    name is an aspect word ("risk", "recovery", "duration").
    """
    if synonyms.aspects is not None:
        return synonyms.aspects
    return frozenset(name for name in synonyms.concepts if stem(name) in _ASPECT_STEMS)


@lru_cache(maxsize=4096)
def _is_aspect(surface: str, terms: tuple[str, ...], aspects: frozenset[str]) -> bool:
    parts = surface.split()
    if parts and all(stem(part) in _NON_SUBJECT for part in parts):
        return True
    concepts = [term[1:] for term in terms if term.startswith(CONCEPT_PREFIX)]
    plain = [term for term in terms if not term.startswith(CONCEPT_PREFIX)]
    return bool(concepts) and all(c in aspects for c in concepts) and all(t in _NON_SUBJECT for t in plain)


def subject_words(query: Query, known_terms: frozenset[str], aspects: frozenset[str]) -> tuple[str, ...]:
    """Content words of a question that name a subject the corpus knows (phrases split into words)."""
    out: list[str] = []
    for word in query.words:
        parts = word.surface.split()
        if not parts or not all(part[:1].isalpha() and _WORD.match(part) for part in parts):
            continue
        if _is_aspect(word.surface, word.terms, aspects):
            continue
        if any(term in known_terms for term in word.terms):
            out.extend(parts)
    return tuple(dict.fromkeys(out))[:MAX_TOPIC_WORDS]


def plan_turn(
    message: str, query: Query, context: Context, *, known_terms: frozenset[str], aspects: frozenset[str]
) -> TurnPlan:
    """Decide whether ``message`` continues the topic in ``context`` or starts a new one.

    ``query`` is the message analysed on its own (by the index the search will use);
    ``aspects`` are the synonym concepts that ask about the subject (:func:`aspect_concepts`).
    """
    subjects = subject_words(query, known_terms, aspects)
    if context.is_empty or (subjects and not refers_back(message)):
        return TurnPlan(search_text=message, topic=subjects or context.topic, follow_up=False)
    extra = [word for word in context.topic if word not in subjects]
    search_text = f"{message} {' '.join(extra)}".strip()
    return TurnPlan(search_text=search_text, topic=context.topic, follow_up=True)


# Pronouns that stand for the subject of a question ("how long does *it* last?"); "that", often
# a conjunction ("anything that helps"), is not one of them.
_SUBJECT_PRONOUNS = frozenset(_words("it its it's they them their this these those"))
# "Is it safe to ...", "is it true that ...": an "it" that stands for what follows, not for a subject.
_DUMMY_IT = re.compile(r"\bit(?:'s| is| was)?\s+(?:[a-z-]+\s+){0,2}?(?:to|that|if|when|for)\b")


_SHORT_QUESTION_WORDS = 6


def asks_what_it_is(message: str, query: Query, aspects: frozenset[str]) -> str | None:
    """The pronoun of a first message whose only subject is a pronoun ("how long does it last?"), else None.

    With no conversation before it, such a question can only be guessed at: the reply asks
    what the pronoun refers to. A message with any word of its own that names a subject
    (known to the corpus or not) is searched as usual.
    """
    text = message.lower().replace("\u2019", "'")
    words = _LETTERS.findall(text)
    pronouns: list[str] = [word for word in words if word in _SUBJECT_PRONOUNS]
    # A short question only ("how long does it last?"): a longer one carries enough of its own
    # ("what tests do they do to find out if I've got it") to be answered from a one-topic corpus.
    if not pronouns or _DUMMY_IT.search(text) or len(words) > _SHORT_QUESTION_WORDS:
        return None
    for word in query.words:
        if not word.general and not _is_aspect(word.surface, word.terms, aspects):
            return None
    return pronouns[0]


def retopic(plan: TurnPlan, query: Query, answered_terms: frozenset[str], topic_terms: frozenset[str]) -> TurnPlan:
    """The plan after a follow-up was answered: a new topic when the answer is not about the old one.

    A follow-up that names a kind of subject ("what are the risks of *the surgery*?" after
    a question about an injection) and whose answer (``answered_terms``, the terms the best
    passage matched) shares nothing with the topic's terms was about something else: those
    words become the topic, so the next question ("and how long is recovery?") is not searched
    with the old one. ``query`` is the message analysed on its own.
    """
    if not plan.follow_up or not topic_terms or not topic_terms.isdisjoint(answered_terms):
        return plan
    kinds = [
        part for word in query.words for part in word.surface.split() if stem(part) in _KIND_STEMS and _WORD.match(part)
    ]
    if not kinds:
        return plan
    return TurnPlan(search_text=plan.search_text, topic=tuple(dict.fromkeys(kinds))[:MAX_TOPIC_WORDS], follow_up=True)
