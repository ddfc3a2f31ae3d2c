"""Small talk: greetings, thanks, goodbyes and questions about the bot, when they are the whole message."""

from __future__ import annotations

import re
from enum import Enum

from chatbot.text.normalise import normalise_message
from chatbot.triage.patterns import one_of, rx

__all__ = ["SmallTalk", "detect_smalltalk"]


class SmallTalk(str, Enum):
    """Kinds of small talk, each with its own short reply."""

    GREETING = "greeting"
    THANKS = "thanks"
    GOODBYE = "goodbye"
    IDENTITY = "identity"
    HELP = "help"
    ACKNOWLEDGE = "acknowledge"


_POLITE = " " + one_of(
    "there",
    "again",
    "so much",
    "a lot",
    "very much",
    "loads",
    "lots",
    "all",
    "everyone",
    "bot",
    "chatbot",
    "doc",
    "you",
    "for (?:your|the) (?:help|answer|answers|info|information)",
    "for that",
    "for helping",
)
_POLITE = f"(?:{_POLITE})*"
_HI = "(?: (?:hi|hello|hey))?"
# "that was really helpful": praise of the answer, before or after the thanks
_PRAISE = (
    "(?: (?:that|this|it|you|your answer|the answer) (?:was|is|were|are|s|re|has been|have been)"
    "(?: (?:really|very|so|super|extremely|most|incredibly|ever so))? "
    + one_of("helpful", "useful", "great", "perfect", "clear", "brilliant", "lovely", "kind", "informative",
             "a (?:great|big|real) help", "a help")
    + ")?"
)
_Q = r"(?: \?)?"
_HOW_ARE_YOU = one_of("how are you", "how are you doing", "hows it going", "how do you do", "whats up", "sup")
_SMALLTALK: tuple[tuple[SmallTalk, re.Pattern[str]], ...] = (
    (
        SmallTalk.GOODBYE,
        rx(
            "^(?: (?:ok|okay|thanks|thank you))?(?: "
            + one_of(
                "bye",  # "bye bye" is "bye" repeated: listing it too made the group exponential
                "goodbye",
                "good bye",
                "see you",
                "see ya",
                "cya",
                "farewell",
                "good night",
                "goodnight",
                "take care",
                "have a (?:nice|good) (?:day|evening)",
                "later",
            )
            + f")+{_POLITE}(?: (?:later|soon|for now))? $"
        ),
    ),
    (
        SmallTalk.THANKS,
        rx(
            f"^{_PRAISE}(?: (?:ok|okay|great|perfect|brilliant|lovely))?(?: "
            + one_of(
                "thanks",
                "thank you",
                "thankyou",
                "thx",
                "ty",
                "cheers",
                "ta",
                "many thanks",
                "much appreciated",
                "appreciate it",
                "that helps",
                "that helped",
                "helpful",
                "very helpful",
            )
            + f"){_POLITE}{_PRAISE}(?: (?:ok|okay|bye))? $"
        ),
    ),
    (
        SmallTalk.GREETING,
        rx(
            "^(?: "
            + one_of(
                "hi",
                "hello",
                "hey",
                "hiya",
                "howdy",
                "yo",
                "greetings",
                "good (?:morning|afternoon|evening|day)",
                "morning",
                "evening",
                "hallo",
                "hola",
            )
            + f")+{_POLITE}(?: {_HOW_ARE_YOU})?{_Q} $",
            f"^ {_HOW_ARE_YOU}(?: today)?{_Q} $",
        ),
    ),
    (
        SmallTalk.IDENTITY,
        rx(
            rf"^{_HI} (?:who|what) (?:are|r) (?:you|u)(?: exactly| really)?{_Q} $",
            rf"^{_HI} (?:are|r) (?:you|u) (?:a |an )?"
            + one_of("bot", "robot", "ai", "human", "real", "real person", "person", "doctor", "machine", "computer")
            + rf"(?: or (?:a |an )?\w+)?{_Q} $",
            rf"^ (?:whats|what is) your name{_Q} $",
            r"^ (?:am i|is this) (?:talking|chatting|speaking) (?:to|with) (?:a )?"
            + one_of("bot", "robot", "human", "person", "real person", "computer")
            + f"{_Q} $",
        ),
    ),
    (
        SmallTalk.HELP,
        rx(
            f"^{_HI}(?: (?:please|pls))? "
            + one_of(
                "help",
                "help me",
                "i need help",
                "can you help(?: me)?",
                "what can you do",
                "what can i ask(?: you)?",
                "what do you know",
                "how does this work",
                "how do i use this",
                "what (?:can|do) you (?:answer|help with)",
                "what questions can i ask",
                "menu",
                "options",
                "start",
            )
            + f"(?: please)?{_Q} $"
        ),
    ),
    (
        SmallTalk.ACKNOWLEDGE,
        rx(
            "^(?: "
            + one_of(
                "ok",
                "okay",
                "k",
                "alright",
                "all right",
                "right",
                "sure",
                "cool",
                "nice",
                "great",
                "good",
                "i see",
                "got it",
                "understood",
                "fine",
                "yes",
                "no",
                "yep",
                "nope",
                "hmm",
                "hm",
                "oh",
                "ah",
                "wow",
                "lol",
            )
            + f")+{_Q} $"
        ),
    ),
)


def detect_smalltalk(message: str, *, normalised: str | None = None) -> SmallTalk | None:
    """The kind of small talk when the whole message is small talk, else None."""
    text = normalise_message(message) if normalised is None else normalised
    if len(text) > 80:
        return None
    for kind, pattern in _SMALLTALK:
        if pattern.search(text):
            return kind
    return None


# Questions about the visitor's own case: a first-person decision, diagnosis or candidacy.
