"""Questions about the visitor's own case: a first-person decision, diagnosis or candidacy."""

from __future__ import annotations

from chatbot.text.normalise import normalise_message
from chatbot.triage.patterns import one_of, rx

__all__ = ["detect_personal_advice"]


_PERSONAL = rx(
    r" (?:should|shall|must|ought) i (?:\w+ )?"
    + one_of(
        "stop",
        "start",
        "keep",
        "quit",
        "come off",
        "go off",
        "get off",
        "switch",
        "change",
        "increase",
        "reduce",
        "lower",
        "double",
        "skip",
        "take",
        "try",
        "have",
        "get",
        "go ahead",
        "choose",
        "pick",
        "opt",
        "book",
        "wait",
        "avoid",
        "be worried",
        "worry",
        "be concerned",
        "do",
    )
    + r"\b",
    r" (?:am i|would i be|i am|im|is (?:he|she|my \w+)) (?:a |an )?(?:good |suitable |right |possible |ideal |likely )?"
    r"(?:candidate|eligible|suitable|a fit)\b",
    r" (?:is|could|might|can) (?:my|this|it) (?:\w+ ){0,3}(?:be )?(?:a |an )?"
    + one_of(
        r"tumou?r",
        "cancer",
        "stroke",
        "serious",
        "dangerous",
        "sign of",
        "symptom of",
        "caused by",
    )
    + r"\b",
    r" (?:is|are) my (?:\w+ ){0,3}(?:a |an )?(?:tumou?r|cancer|serious|dangerous|sign|symptom)\b",
    # "is my blood pressure too high?", "is my cholesterol ok?": judging the visitor's own reading or condition
    r" (?:is|are) my (?:\w+ ){1,3}(?:too |very |really |that |so )?"
    r"(?:high|low|bad|ok|okay|normal|abnormal|permanent|worrying|good|fine|safe)\b",
    # "can I take ibuprofen with my heart tablets?": mixing something with the visitor's own treatment
    r" (?:can|could|should|may) i (?:still |safely )?(?:take|have|use|drink|mix|combine) (?:\w+ ){1,4}"
    r"(?:with|while on|while taking|alongside) my\b",
    # "could this be ...?": asking for a diagnosis, whatever the condition is called
    r" (?:could|might) (?:this|it|my \w+) (?:\w+ )?be (?!(?:done|treated|cured|prevented|avoided|helped|used)\b)",
    r" do i (?:have|qualify)\b",
    r" do i (?:really )?need (?:surgery|an operation|the operation|treatment|to have)\b"
    r"(?! (?:before|after))",
    " "
    + one_of(
        "in my case",
        "for me",
        "my case",
        "my situation",
        "my dose",
        "my dosage",
        "my medication",
        "my meds",
        "my pills",
        "my tablets",
        "my doctor",
        "my neurologist",
        "my surgeon",
    )
    + r"\b",
    " "
    + one_of(
        "what should i do",
        "what would you (?:recommend|advise|suggest)",
        "do you (?:recommend|think i)",
        "would you recommend",
        "which (?:is|would be) better for me",
        "is it safe for me",
        r"will (?:i|my \w+) (?:get better|recover|be cured|go away)",
    )
    + r"\b",
)


def detect_personal_advice(message: str, *, normalised: str | None = None) -> bool:
    """True when a message asks about the visitor's own case rather than for general information."""
    return bool(_PERSONAL.search(normalise_message(message) if normalised is None else normalised))
