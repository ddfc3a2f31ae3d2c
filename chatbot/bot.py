"""The chatbot: corpus -> passages -> index, and ``ask`` -> :class:`Reply`."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import cached_property

from chatbot.clinic import ClinicProfile, bundled_corpus_dir, clinic_for
from chatbot.config import Settings
from chatbot.dialogue.clinic_info import ClinicDetail, clinic_info_text, detect_clinic_info
from chatbot.dialogue.compose import answer_text, cite, number_as_cited, pick_passages
from chatbot.dialogue.context import (
    Context,
    asks_what_it_is,
    aspect_concepts,
    encode_context,
    plan_turn,
    read_context,
    refers_back,
    retopic,
)
from chatbot.dialogue.contextkey import context_key
from chatbot.dialogue.decide import Decision, decide
from chatbot.dialogue.plan import LONG_QUESTION_WORDS, question_parts, question_tail
from chatbot.dialogue.reply import Reply, ReplyType
from chatbot.dialogue.wording import (
    RESTARTED_LINE,
    contact_line,
    notice_text,
    personal_advice_line,
    safety_net_line,
    urgent_text,
)
from chatbot.documents.defaults import corpus_questions, corpus_subject, corpus_topics
from chatbot.documents.model import Corpus
from chatbot.documents.passages import Passage
from chatbot.retrieval.index import Hit, PassageIndex
from chatbot.retrieval.rerank import rerank, search_terms
from chatbot.retrieval.store import Loaded, build
from chatbot.text.analyzer import Correction, Query
from chatbot.text.normalise import normalise, normalise_message
from chatbot.triage.personal import detect_personal_advice
from chatbot.triage.redflags import Assessment, Triage, Triager, UrgentKind, load_triager
from chatbot.triage.smalltalk import SmallTalk, detect_smalltalk

__all__ = ["Bot", "Ranking", "contact_line", "notice_text", "personal_advice_line"]

def _restarted(reply: Reply) -> Reply:
    """``reply`` with the line saying the conversation was restarted (after an urgent reply's advice)."""
    return dataclasses.replace(reply, reply=f"{reply.reply} {RESTARTED_LINE}")


def _own_corrections(query: Query, message: str) -> tuple[Correction, ...]:
    """The spelling corrections of words the visitor typed in this message (never of the context's words)."""
    typed = normalise(message)
    return tuple(c for c in query.corrections if c.original.lower() in typed)


@dataclass(frozen=True, slots=True)
class Ranking:
    """A plain ranked list for batch retrieval (no reply handling)."""

    query: Query
    hits: tuple[Hit, ...]


class Bot:
    """Answers questions from one corpus with one set of settings."""

    def __init__(
        self, *, settings: Settings, corpus: Corpus, index: PassageIndex, triager: Triager | None = None
    ) -> None:
        self.settings = settings
        self.corpus = corpus
        self.index = index
        # The red flags: general, plus the corpus folder's own (a bad file stops start-up here).
        self.triager = triager or load_triager(settings.corpus or bundled_corpus_dir())
        self.context_key = context_key(settings)  # signs the context tokens (shared by forked workers)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, *, workers: int = 1) -> Bot:
        """Load the corpus named by the settings and build its index.

        ``workers`` > 1 analyses a large corpus in that many forked processes (see
        :func:`chatbot.retrieval.index.encode_passages`); only for callers with no other threads.
        """
        settings = settings or Settings()
        corpus, index = build(settings, workers=workers)
        return cls(settings=settings, corpus=corpus, index=index)

    @classmethod
    def from_loaded(cls, settings: Settings, loaded: Loaded) -> Bot:
        """A bot over a corpus and index from :func:`chatbot.retrieval.store.load_or_build`."""
        return cls(settings=settings, corpus=loaded.corpus, index=loaded.index)

    @property
    def passages(self) -> tuple[Passage, ...]:
        return self.index.passages

    def topics(self, limit: int = 8) -> list[str]:
        """Top-level section names across documents: what the documents cover."""
        return list(self._topics[:limit])

    @cached_property
    def clinic(self) -> ClinicProfile:
        """The clinic file of the corpus folder (``clinic.yaml``), else the bundled corpus's."""
        return clinic_for(self.settings.corpus or bundled_corpus_dir())

    @cached_property
    def _aspects(self) -> frozenset[str]:
        return aspect_concepts(self.index.analyzer.synonyms)

    @cached_property
    def _topics(self) -> tuple[str, ...]:
        # The corpus of a bot never changes (a reload builds a new bot): collect once, not per reply.
        return self.clinic.topics or tuple(corpus_topics(self.corpus.documents))

    #: How many questions the corpus offers when neither the settings nor clinic.yaml name any.
    SUGGESTIONS = 5

    @cached_property
    def suggestions(self) -> tuple[str, ...]:
        """The questions offered at the start: the setting, else clinic.yaml's, else the corpus's own
        questions (or headings) that the documents answer."""
        chosen = self.settings.suggestions or self.clinic.suggestions
        if chosen:
            return chosen
        offered: list[str] = []
        for question in corpus_questions(self.corpus.documents)[: self.MAX_SUGGESTION_POOL]:
            _, hits, decision = self.retrieve(question, top_k=1)
            if decision.answer and hits:
                offered.append(question)
                if len(offered) == self.SUGGESTIONS:
                    break
        return tuple(offered)

    def rank(self, text: str, *, top_k: int) -> Ranking:
        """Batch retrieval: the ranked passages for ``text``, nothing else."""
        query = self.index.query(text, correct_spelling=False)
        return Ranking(query=query, hits=tuple(self.index.search(query, top_k=top_k, with_terms=False)))

    def retrieve(self, text: str, *, top_k: int | None = None) -> tuple[Query, list[Hit], Decision]:
        """Analyse, search and decide whether the documents answer ``text``.

        A long message that the documents do not answer as a whole is often a story
        followed by the question ("I am 62, for two years my eye has been flickering,
        my GP mentioned an operation, could you tell me how that operation is
        done?"): no passage covers the story, so its last sentence or clause is
        tried on its own, and answered only if that part is answered.
        """
        settings = self.settings
        k = top_k or settings.top_k
        query, hits, decision = self._search(text, k)
        if not decision.answer:
            for part in self._parts_to_try(text, query):
                part_query, part_hits, part_decision = self._search(part, k)
                if part_decision.answer and any(not word.general for word in part_query.words):
                    query, hits, decision = part_query, part_hits, part_decision
                    break
        return query, pick_passages(hits, top_k=k, second_source_ratio=settings.second_source_ratio), decision

    @staticmethod
    def _parts_to_try(text: str, query: Query) -> list[str]:
        """Shorter parts of a message the documents do not answer as a whole, best guess first.

        The last sentence or clause of a long message (a story, then its question); then
        each question of a message that asks two things, in order, so that the one the
        documents answer is answered (the reply says the rest is not: see :meth:`ask`).
        """
        parts: list[str] = []
        if sum(not word.general for word in query.words) >= LONG_QUESTION_WORDS:
            tail = question_tail(text)
            if tail:
                parts.append(tail)
        # A later question that points back ("... and will I need *one*?") means nothing alone.
        asked = question_parts(text)
        parts.extend(part for n, part in enumerate(asked) if part not in parts and (n == 0 or not refers_back(part)))
        return parts

    def _search(self, text: str, k: int) -> tuple[Query, list[Hit], Decision]:
        settings = self.settings
        query = search_terms(self.index.query(text))
        hits = rerank(query, self.index.search(query, top_k=max(k * 4, 10)), self.index)
        decision = decide(
            query, hits, self.index, min_coverage=settings.min_coverage, min_relevance=settings.min_relevance
        )
        return query, hits, decision

    def not_found(self, query: Query | None = None) -> Reply:
        settings = self.settings
        topics = ", ".join(self.topics())
        text = (
            "I could not find that in our documents. "
            f"For anything they do not cover, please {contact_line(settings)}. "
            f"Our documents cover topics such as: {topics}."
        )
        return Reply(
            type=ReplyType.NOT_FOUND,
            reply=text,
            disclaimer=settings.disclaimer,
            notice=notice_text(settings),
            suggestions=self.suggestions,
            corrections=query.corrections if query else (),
        )

    def ask(
        self,
        message: str,
        *,
        context: str | None = None,
        top_k: int | None = None,
        assessed: Assessment | None = None,
    ) -> Reply:
        """Answer one message, in the light of the conversation so far.

        In order: urgent symptoms (advice to call the emergency number, before
        anything else), small talk (a short reply and suggestions), then retrieval,
        searching a follow-up together with the conversation topic carried by
        ``context`` (the token from the previous reply; a token that does not
        validate is dropped and the reply says the conversation was restarted). Questions about the
        visitor's own case get the general passages plus a line saying the bot
        cannot advise on an individual case, with the clinic's contact. ``assessed`` is
        :meth:`Triager.assess` of this message when the caller already made it (the API's
        rate-limit exemption), so that it is not made twice.
        """
        assessment = assessed if assessed is not None else self.triager.assess(message)
        found = assessment.found
        state = read_context(context, self.context_key)
        if found is not None:  # first, whatever the context: a bad token never stands in the way
            reply = self.urgent(found, state or Context())
            return reply if state is not None else _restarted(reply)
        if state is None:
            # A stale or invalid token (an old page, another server's key) is dropped: the
            # conversation starts again and the reply says so. Never an error.
            return _restarted(self.ask(message, top_k=top_k, assessed=assessment))
        normalised = normalise_message(message)  # once for the two checks
        kind = detect_smalltalk(message, normalised=normalised)
        if kind is not None:
            return self.smalltalk(kind, state)
        details = detect_clinic_info(message, normalised=normalised)
        if details and all(detect_clinic_info(part) for part in question_parts(message)):
            return self.clinic_info(details, state)  # the clinic's details, not its documents
        known = self.index.known_terms
        if state.is_empty:  # a first question: its own analysis gives the topic (no second pass)
            query, hits, decision = self.retrieve(message, top_k=top_k)
            pronoun = asks_what_it_is(message, query, self._aspects)
            if pronoun is not None:  # "how long does it last?" with nothing before it: ask, do not guess
                return self.clarify(pronoun, state)
            plan = plan_turn(message, query, state, known_terms=known, aspects=self._aspects)
        else:
            own = self.index.query(message)
            plan = plan_turn(message, own, state, known_terms=known, aspects=self._aspects)
            query, hits, decision = self.retrieve(plan.search_text, top_k=top_k)
            if decision.answer and hits:  # a follow-up whose answer is not about the topic names a new one
                topic_terms = frozenset(self.index.query(" ".join(state.topic)).terms)
                plan = retopic(plan, own, frozenset(hits[0].matched_terms), topic_terms)
        if plan.follow_up and not (decision.answer and hits):
            # The topic did not help: try the message on its own before giving up.
            query, hits, decision = self.retrieve(message, top_k=top_k)
        token = encode_context(Context(topic=plan.topic), self.context_key)
        personal = detect_personal_advice(message, normalised=normalised)
        if personal and not (decision.answer and hits) and plan.topic:
            # "Should I stop taking X?": the general information is about X.
            query, hits, decision = self.retrieve(" ".join(plan.topic), top_k=top_k)
        prefix = f"{personal_advice_line(self.settings)} " if personal else ""
        if assessment.acute:  # symptoms now that match no red flag: one line, first
            prefix = f"{safety_net_line(self.settings)} {prefix}"
        if not decision.answer or not hits:
            declined = self.not_found(query)
            return dataclasses.replace(
                declined,
                reply=prefix + declined.reply,
                context=token,
                personal_advice=personal,
                corrections=_own_corrections(query, message),
            )
        if query.text != message and query.text in question_parts(message):  # one question of several: say which
            prefix += (
                f'Your message asks more than one thing; this answers "{query.text.rstrip("?")}". '
                "Please ask the other part on its own. "
            )
        if personal:
            prefix += "Here is general information from our documents: "
        text, passages = number_as_cited(answer_text(hits, self.index, query), cite(hits))
        return Reply(
            type=ReplyType.ANSWER,
            reply=prefix + text,
            disclaimer=self.settings.disclaimer,
            notice=notice_text(self.settings),
            passages=passages,
            suggestions=self.suggestions_after(message, hits),
            context=token,
            corrections=_own_corrections(query, message),
            personal_advice=personal,
        )

    #: How many FAQ questions of the corpus may be offered as suggestions (each is searched once).
    MAX_SUGGESTION_POOL = 60

    @cached_property
    def _suggestion_pool(self) -> tuple[tuple[str, str, str], ...]:
        """(question, document id, passage id of its best answer) for the profile's suggestions and the
        corpus's FAQ questions that the documents answer. Built once per bot, at the first answer."""
        questions = [*self.suggestions, *corpus_questions(self.corpus.documents, headings=False)]
        pool = []
        for question in list(dict.fromkeys(questions))[: self.MAX_SUGGESTION_POOL]:
            _, hits, decision = self.retrieve(question, top_k=1)
            if decision.answer and hits:
                pool.append((question, hits[0].passage.document_id, hits[0].passage.id))
        return tuple(pool)

    def suggestions_after(self, message: str, hits: list[Hit]) -> tuple[str, ...]:
        """Suggestions after an answer: never the question just asked nor one answered by the same
        passage; those about the same document first, then the others."""
        top = hits[0].passage
        asked = " ".join(re.findall(r"\w+", message.lower()))
        same_document: list[str] = []
        others: list[str] = []
        for question, document_id, passage_id in self._suggestion_pool:
            if passage_id == top.id or " ".join(re.findall(r"\w+", question.lower())) == asked:
                continue
            (same_document if document_id == top.document_id else others).append(question)
        return tuple([*same_document, *others][: max(3, len(self.suggestions))])

    def urgent(self, found: Triage, state: Context) -> Reply:
        """Send the person to emergency care, the crisis line or the clinic today, before anything else."""
        settings = self.settings
        text = urgent_text(settings, action=found.action, crisis=found.crisis, clinic_flag=found.clinic)
        crisis = found.kind is UrgentKind.SELF_HARM or found.crisis
        return Reply(
            type=ReplyType.URGENT,
            reply=text,
            disclaimer=settings.disclaimer,
            notice=notice_text(settings),
            context=encode_context(state, self.context_key),
            emergency_number=settings.emergency_number,
            crisis_line=settings.crisis_line if crisis else None,
            tier="emergency" if found.tier == "emergency" else "urgent_today",
        )

    @cached_property
    def subject(self) -> str:
        """What the documents are about, as replies and the page name it: clinic.yaml's topic, else the corpus's."""
        return self.clinic.topic or corpus_subject(self.corpus.documents)

    def smalltalk(self, kind: SmallTalk, state: Context) -> Reply:
        """A short reply to a greeting, thanks, goodbye, 'who are you' or 'help', with suggestions."""
        settings = self.settings
        clinic = self.clinic
        subject = self.subject
        scope = f"I answer questions about {clinic.scope(subject)} by quoting {settings.clinic_name}'s documents."
        openers = {
            SmallTalk.GREETING: f"Hello! {scope} What would you like to know?",
            SmallTalk.THANKS: f"You are welcome. {scope} Is there anything else you would like to know?",
            SmallTalk.GOODBYE: (
                f"Goodbye, and take care. Come back any time with questions about {subject}. "
                f"To talk to a person, {contact_line(settings)}."
            ),
            SmallTalk.IDENTITY: (
                f"I am an automated assistant, not a person or a doctor. {scope} "
                f"To talk to a person, {contact_line(settings)}."
            ),
            SmallTalk.HELP: f"{scope} Type a question in your own words, or pick one of the suggestions.",
            SmallTalk.ACKNOWLEDGE: f"{scope} Ask me another question whenever you like.",
        }
        return Reply(
            type=ReplyType.SMALLTALK,
            reply=openers[kind],
            disclaimer=settings.disclaimer,
            notice=notice_text(settings),
            suggestions=self.suggestions,
            context=encode_context(state, self.context_key),
        )

    def clarify(self, pronoun: str, state: Context) -> Reply:
        """Ask what a pronoun stands for, when a first message names its subject only by it.

        A small-talk reply (no passage cited): the documents were not found lacking, the
        question was not yet clear, so it is not counted as a decline.
        """
        settings = self.settings
        return Reply(
            type=ReplyType.SMALLTALK,
            reply=(
                f'What does "{pronoun}" refer to? Please ask again with the name of the treatment, '
                "condition or test you mean, or pick one of the suggestions."
            ),
            disclaimer=settings.disclaimer,
            notice=notice_text(settings),
            suggestions=self.suggestions,
            context=encode_context(state, self.context_key),
        )

    def clinic_info(self, details: tuple[ClinicDetail, ...], state: Context) -> Reply:
        """Opening hours, phone, e-mail, address or booking: from the clinic's details (the settings),
        said to be so, or the contact line for a detail they do not set. Cites no passage (small talk)."""
        settings = self.settings
        return Reply(
            type=ReplyType.SMALLTALK,
            reply=clinic_info_text(settings, details),
            disclaimer=settings.disclaimer,
            notice=notice_text(settings),
            suggestions=self.suggestions,
            context=encode_context(state, self.context_key),
        )
