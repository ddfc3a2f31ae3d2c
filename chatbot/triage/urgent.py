"""Safety checks run on every message before retrieval: urgent symptoms, small talk
and questions about the visitor's own case.

Urgent detection matches *concepts*, not sentences. A message is urgent when it
names a warning sign (a symptom pattern such as "face + drooping" in either order,
"clear fluid + nose", "fever" after an operation) and it *describes* something
happening rather than asking about it in general:

* some signs are urgent whoever writes them ("worst headache of my life", thoughts
  of self-harm);
* a sign written in the first person or about a relative, without a hypothetical
  frame ("can I get ...", "will my face ...", "is ... a risk"), is urgent;
* a sign in a statement or fragment with no question frame at all ("sudden hearing
  loss after surgery") is urgent;
* a strong present-tense cue ("right now", "suddenly", "I have", "my wound is ...")
  outweighs a hypothetical frame ("I have clear fluid from my nose, is that a leak?").

Informational questions that share the words ("Can MVD cause facial weakness?",
"What is a CSF leak?", "Is hearing loss a risk?") have a general question frame and
no first-person description, so they are answered from the documents.

Every pattern is linear (no nested quantifiers) and the input is capped, so a crafted
message cannot make matching slow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from chatbot.text.normalise import normalise_message
from chatbot.triage.patterns import G2, G4, G6, one_of, rx

__all__ = ["Urgency", "UrgentKind", "detect_urgent"]

_FACE = one_of("face", "facial", "mouth", "smile", "lip", "lips", "cheek", "side of (?:my|his|her|the) face")
_DROOP = one_of(
    r"dro+p\w*",
    r"dropp\w*",
    r"sag\w*",
    "fallen",
    "fell",
    r"slump\w*",
    "lopsided",
    "crooked",
    "uneven",
    "numb",
    r"paraly\w*",
    "wont move",
    "cant move",
)
_LIMB = one_of("arm", "arms", "leg", "legs", "hand", "hands")
_LIMB_WEAK = one_of(
    r"weak\w*",
    r"numb\w*",
    "heavy",
    "limp",
    "dead",
    r"paraly\w*",
    "wont move",
    "cant move",
    "cant lift",
    "cannot lift",
    "cannot move",
    "cant raise",
    "cant feel",
    "unable to (?:lift|move|raise)",
)
_SPEECH = one_of(
    r"slur+\w*",
    r"slr+ed",
    r"speech (?:is |was )?(?:slur\w*|garbled|weird|strange|funny|wrong|off|thick)",
    "(?:cant|cannot|can not|unable to) (?:speak|talk|get (?:my |the )?words out|find (?:my |the )?words)",
    "words (?:are |keep )?(?:coming out )?(?:wrong|jumbled|garbled|mixed up)",
    "talking funny",
    "trouble speaking",
)
_SURGERY = one_of(
    "surgery",
    "sugery",
    "surgey",
    "operation",
    "op",
    "mvd",
    "procedure",
    "craniotomy",
    "decompression",
    "brain surgery",
    "neurosurgery",
    "wound",
    "incision",
    "stitches",
    "staples",
    "scar",
)
_SITE = one_of("nose", "nostril", "ear", "wound", "incision", "scar", "head", "stitches")
_RUNNING = one_of(r"drip\w*", r"leak\w*", r"runn\w*", r"pour\w*", r"ooz\w*")
# "sudden\w*" covers "suddenly"; a second \w* after it would backtrack quadratically (ReDoS test).
_SUDDEN = r"sudden\w*"

#: (kind, pattern) pairs naming warning signs.
_SIGNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("stroke", rx(rf" {_FACE}{G4} {_DROOP}\b", rf" {_DROOP}{G2} {_FACE}\b")),
    (
        "stroke",
        rx(rf" {_LIMB}{G4} {_LIMB_WEAK}\b", rf" {_LIMB_WEAK}{G2} (?:my |his |her |the |one |left |right )*{_LIMB}\b"),
    ),
    ("stroke", rx(rf" {_SPEECH}\b")),
    (
        "stroke",
        rx(r" (?:having|had|have|is|its|it s) (?:a |an )?(?:stroke|mini stroke|tia)\b", rf" think\w*{G4} stroke\b"),
    ),
    ("stroke", rx(rf" {_SUDDEN}{G4} (?:(?:blind|lost|loss of|cant see|double vision|vision)\b|confus\w*)")),
    ("headache", rx(r" worst headache\b", rf" worst (?:head )?pain{G4} (?:life|ever)\b", r" thunderclap\b")),
    (
        "headache",
        rx(
            r" (?:sudden\w*|explod\w*|excruciating|unbearable|horrendous|crushing|agonizing|agonising|blinding)"
            rf"{G2} (?:severe |bad |terrible |awful )?(?:headache|head ache|head pain|pain in (?:my|the) head)\b"
        ),
    ),
    ("headache", rx(r" head (?:is |feels like (?:its |it is )?)?(?:exploding|about to explode|going to explode)\b")),
    (
        "csf",
        rx(
            rf" clear{G2} (?:fluid|liquid|water\w*|discharge|drip\w*|leak\w*|stuff|snot|mucus|drops?|runn\w*)\b"
            rf"{G6} {_SITE}\b"
        ),
    ),
    ("csf", rx(rf" {_SITE}\b{G6} {_RUNNING}{G4} clear\b")),
    ("csf", rx(rf" (?:fluid|liquid|water) (?:is )?(?:{_RUNNING}|coming){G4} {_SITE}\b")),
    (
        "csf",
        rx(
            r" (?:csf|cerebrospinal fluid|spinal fluid|brain fluid) (?:leak\w*|drip\w*|coming)\b",
            r" salty (?:taste|drip|fluid)\b",
        ),
    ),
    ("post_op", rx(r" (?:fever|feverish|high temp\w*|temperature|chills|shivering|rigors)\b")),
    ("post_op", rx(r" stiff\w* neck\b", r" neck (?:\w{1,10} )?(?:stiff|rigid)\b", r" cant (?:bend|move) my neck\b")),
    (
        "post_op",
        rx(
            rf" (?:bleed\w*|blood)\b{G4} "
            r"(?:wont stop|not stopping|a lot|heavily|heavy|soak\w*|pouring|everywhere|through)\b",
            r" (?:heavy|heavily|lots of|pouring) (?:bleeding|blood)\b",
        ),
    ),
    (
        "post_op",
        rx(
            r" (?:wound|incision|scar|stitches) (?:is |has |have |are |looks |keeps )*"
            r"(?:ooz\w*|pus\w*|weep\w*|split|opened|open|hot|red and swollen|swollen|infected|leaking|bleeding)\b"
        ),
    ),
    ("post_op", rx(r" (?:vomit\w*|throwing up|being sick|confus\w*|very drowsy|cant stay awake|seizure|fit|fits)\b")),
    (
        "post_op",
        rx(
            r" (?:severe|terrible|awful|worst|unbearable|excruciating|horrible|really bad)"
            r" (?:head ?ache|head pain|pain)\b"
        ),
    ),
    (
        "hearing",
        rx(
            r" (?:sudden|overnight|completely|totally)\w*" + rf"{G4} "
            rf"(?:deaf\w*|lost{G2} hearing|hearing loss|loss of hearing|cant hear|cannot hear|hear nothing)\b",
            r" (?:went|gone|going|become|became) deaf\b",
            rf" (?:cant|cannot|can not) hear{G4} (?:anything|at all|out of|in my|with my)\b",
        ),
    ),
    (
        "self_harm",
        rx(
            r" (?:kill|killing|hurt|hurting|harm|harming|cut|cutting) my ?self\b",
            r" suicid\w*",
            r" self ?harm\w*",
            r" end(?:ing)? (?:my life|it all|things)\b",
            r" (?:dont|do not|no longer|dont really) (?:want|wanna) to (?:live|be alive|be here|wake up|go on)\b",
            r" (?:better off dead|no reason to live|not worth living|want to die|wanna die|wish i (?:was|were) dead)\b",
            r" take (?:all )?(?:my|the) (?:pills|tablets) at once\b",
            r" overdose\b",
        ),
    ),
    (
        "breathing",
        rx(
            r" (?:cant|cannot|can not|struggling to|hard to|trouble) breath\w*\b",
            r" chest pain\b",
            r" (?:collapsed|unconscious|unresponsive|passed out)\b",
        ),
    ),
)

#: Signs that are urgent even in a question frame (nobody asks about these in general).
_ALWAYS = rx(
    r" worst headache\b",
    r" thunderclap headache\b",
    r" (?:kill|killing) my ?self\b",
    r" suicid\w*",
    r" end(?:ing)? (?:my life|it all)\b",
    r" (?:dont|do not) (?:want|wanna) to (?:live|be alive|wake up)\b",
    r" want to die\b",
    r" better off dead\b",
)

# Post-operative signs (fever, bleeding, vomiting ...) are urgent only after an operation,
# or, for fever with a stiff neck, on their own.
_POST_OP = rx(
    rf" after{G2} {_SURGERY}",
    rf" since{G2} {_SURGERY}",
    r" post ?op\w*",
    rf" following{G2} {_SURGERY}",
    rf" {_SURGERY}{G4} (?:ago|last week|yesterday|on \w+day)",
    rf" (?:had|have had|got) (?:my |an |the )?{_SURGERY}",
    r" (?:my|the) (?:wound|incision|stitches|staples|scar)",
)
_FEVER = rx(r" (?:fever|feverish|temperature|high temp\w*)\b")
_STIFF_NECK = rx(r" stiff\w* neck\b", r" neck (?:\w{1,10} )?(?:stiff|rigid)\b")

_FIRST_PERSON = rx(r" (?:i|im|ive|id|ill|me|my|mine|myself|we|our|us)\b", r" (?:he|she|his|her|him|hes|shes)\b")
_PRESENT = rx(
    r" (?:right now|just now|at the moment|this (?:morning|evening|afternoon)|tonight|today"
    r"|since (?:yesterday|last night|this)|suddenly|sudden|all of a sudden|out of nowhere"
    r"|just (?:started|noticed|woke)|started|woke up|keeps|wont stop"
    r"|for the (?:last|past) (?:hour|hours|few hours)|an hour ago|minutes ago)\b",
    r" (?:i|ive|i have|im|i am) (?:got|have|having|getting|noticed|been|experiencing|leaking|bleeding|feeling|feel"
    r"|cant|cannot|just|suddenly|think)\b",
    r" (?:my|his|her) \w{1,20}(?: \w{1,20})?"
    r" (?:is|are|has|have|keeps|wont|feels|looks|went|started|just|suddenly|seems)\b",
    r" (?:he|she) (?:is|has|cant|cannot|suddenly|just)\b",
    r" there (?:is|s) (?:clear |a lot of |lots of )?(?:fluid|liquid|blood|water)\b",
)
_HYPOTHETICAL = rx(
    r"^ (?:can|could|will|would|might|may|does|do|is|are|am|what|whats|how|why|when|which|should|if)\b",
    r" (?:can|could|will|would|might|may)"
    r" (?:i|you|it|mvd|botox|surgery|the \w+|this|that|my|they|someone|people|patients)\b",
    " "
    + one_of(
        "what if",
        "in case",
        "is it possible",
        "possible to",
        "risk",
        "risks",
        "chance",
        "chances",
        "likely",
        "likelihood",
        "common",
        "rare",
        "normal",
        "expect",
        "side effect",
        "side effects",
        "complication",
        "complications",
        "signs? of",
        "symptoms? of",
        "warning signs",
        "mean",
        "means",
        "definition",
        "define",
        "happen",
        "happens",
        "cause",
        "causes",
        "caused by",
        "worried about",
        "afraid of",
        "scared of",
        "prevent",
        "avoid",
        "treat",
        "treated",
        "after effects",
        "how do i know",
        "how would i know",
        "tell me about",
        "information",
        "explain",
    )
    + r"\b",
)
# A face, arm or speech sign placed months or years back ("a facial paralysis some years ago",
# "slurred for two years"), in a question, with nothing acute: history, not a stroke now.
_LONG_AGO = rx(
    r" (?:years?|months?) ago\b",
    r" (?:for|since) (?:a|one|two|three|four|five|six|several|many|a few|\d+) (?:years?|months?)\b",
    r" (?:as a child|in childhood|when i was (?:a child|a kid|young|little))\b",
    r" since (?:last year|\d{4})\b",
)
_ACUTE = rx(
    r" (?:suddenly|sudden|all of a sudden|out of nowhere|right now|just now|today|tonight"
    r"|this (?:morning|evening|afternoon)|an hour ago|minutes ago|since (?:yesterday|last night))\b"
)

# A general question frame: an interrogative start or a question mark.
_QUESTION = rx(
    r"^ (?:can|could|will|would|might|may|does|do|did|is|are|am|was|what|whats|how|why|when|which|should|who|where)\b",
    r"\?",
)

# Every sign's pattern in one alternation: it matches exactly when one of them does.
_ANY_SIGN = re.compile("|".join(f"(?:{pattern.pattern})" for _kind, pattern in _SIGNS))


class UrgentKind(str, Enum):
    """Which kind of warning sign was found."""

    EMERGENCY = "emergency"
    SELF_HARM = "self_harm"


@dataclass(frozen=True, slots=True)
class Urgency:
    """An urgent message: what was found and why."""

    kind: UrgentKind
    sign: str
    matched: str


# A sign named as something imagined or feared ("the idea of going deaf", "terrified of a
# stroke"): what the visitor fears, not what is happening (unless the message says it is acute).
# "worried about" is left out on purpose: "worried about my face drooping" often describes now.
_IMAGINED = re.compile(
    r" (?:(?:idea|thought|prospect|possibility|fear) of|(?:afraid|scared|terrified|frightened) of)"
    r"(?: \w{1,20}){0,2} ?$"
)


def _signs(text: str) -> list[tuple[str, str]]:
    if not _ANY_SIGN.search(text):  # most messages: one search instead of one per sign
        return []
    found = []
    for kind, pattern in _SIGNS:
        match = pattern.search(text)
        if match is None:
            continue
        imagined = _IMAGINED.search(text, max(0, match.start() - 60), match.start() + 1)
        if imagined and not _ACUTE.search(text):
            continue
        found.append((kind, match.group(0).strip()))
    return found


def detect_urgent(message: str, *, normalised: str | None = None) -> Urgency | None:
    """The warning sign a message describes, or None for an ordinary message."""
    text = normalise_message(message) if normalised is None else normalised
    signs = _signs(text)
    if not signs:
        return None
    # Post-operative signs count only after an operation (or fever with a stiff neck).
    post_op = bool(_POST_OP.search(text)) or bool(_FEVER.search(text) and _STIFF_NECK.search(text))
    signs = [(kind, matched) for kind, matched in signs if kind != "post_op" or post_op]
    if not signs:
        return None
    kind, matched = next(((k, m) for k, m in signs if k == "self_harm"), signs[0])
    urgent_kind = UrgentKind.SELF_HARM if kind == "self_harm" else UrgentKind.EMERGENCY
    if _ALWAYS.search(text):
        return Urgency(urgent_kind, kind, matched)
    personal = bool(_FIRST_PERSON.search(text))
    present = bool(_PRESENT.search(text))
    hypothetical = bool(_HYPOTHETICAL.search(text))
    question = bool(_QUESTION.search(text))
    if kind == "stroke" and (question or hypothetical) and _LONG_AGO.search(text) and not _ACUTE.search(text):
        return None
    if (personal and present) or (personal and not hypothetical) or not (question or hypothetical):
        return Urgency(urgent_kind, kind, matched)
    return None

