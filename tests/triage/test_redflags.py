"""Red-flag triage: the rule files, each general category, context rules, tiers and the urgent sets."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from chatbot.errors import CorpusError
from chatbot.triage.redflags import Triager, acute_now, default_triager, triage
from chatbot.triage.rules import TriageRulesError, load_table
from chatbot.triage.urgent import UrgentKind

ROOT = Path(__file__).resolve().parents[2]
DEVSETS = ROOT / "tests" / "devsets"  # copies of the shared dev sets (their README says where from)
BLIND = ROOT / "tests" / "triage" / "sets"
GENERAL_ONLY = Triager.load()

# ---------------------------------------------------------------- loading and validation

GOOD_FLAG = """\
concepts:
  chest: [chest]
  pain: [pain]
flags:
  - name: chest_pain
    tier: emergency
    action: emergency_number
    needs:
      - all: [chest, pain]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "red_flags.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_table_loads(tmp_path: Path) -> None:
    table = load_table(write(tmp_path, GOOD_FLAG))
    assert [flag.name for flag in table.flags] == ["chest_pain"]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (GOOD_FLAG.replace("      - all: [chest, pain]", "      - all: [chest, pain"), 10, "broken YAML"),
        (GOOD_FLAG.replace("[chest, pain]\n", "[chest, heart]\n"), 9, "unknown concept 'heart'"),
        (GOOD_FLAG.replace("tier: emergency", "tier: soon"), 6, "tier"),
        (GOOD_FLAG.replace("action: emergency_number", "action: pray"), 7, "action"),
        (GOOD_FLAG.replace("    needs:", "    needz:"), 8, "unknown key 'needz'"),
        (GOOD_FLAG.replace("      - all: [chest, pain]", "      - within: 3"), 9, "exactly one of 'all' or 'phrase'"),
        ("concepts:\n  chest: [chest]\n", None, "flags"),
    ],
)
def test_a_bad_table_names_the_file_and_line(tmp_path: Path, text: str, line: int | None, words: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(TriageRulesError) as caught:
        load_table(path)
    assert isinstance(caught.value, CorpusError)
    assert caught.value.path == path
    assert words in str(caught.value)
    if line is not None:
        assert caught.value.line == line
        assert f"{path}:{line}" in str(caught.value)


def test_the_packaged_files_load() -> None:
    triager = default_triager()
    assert len(triager.flags) > 40
    assert {flag.tier for flag in triager.flags} == {"emergency", "urgent"}


# ---------------------------------------------------------------- general categories (wordings of our own)

EMERGENCIES = {
    "stroke": [
        "his face has gone droopy on the left",
        "my mum suddenly cant lift her right arm",
        "her speech is slurred",
    ],
    "heart attack": ["tight crushing feeling across my chest", "pain in my chest spreading to my jaw"],
    "angina": ["used my gtn spray three times and the pain is not going away"],
    "collapse": ["my neighbour has collapsed in the garden", "he is not breathing properly and wont wake up"],
    "breathless": ["she can't finish a sentence she is so out of breath", "his lips are turning blue"],
    "anaphylaxis": ["my throat is swelling after the injection", "her lips and tongue swelled up after eating peanuts"],
    "seizure": ["my son is having a seizure right now", "he has been convulsing for five minutes"],
    "overdose": ["I took the whole packet of paracetamol", "my toddler swallowed some of my pills"],
    "bleeding": ["the cut is bleeding heavily and wont stop", "im on warfarin and my nose is pouring blood"],
    "head injury": ["fell and hit his head, now he keeps vomiting", "banged my head and now im very drowsy"],
    "headache": ["worst headache of my life came on suddenly", "sudden excruciating headache"],
    "meningitis": ["he has a fever and a stiff neck", "a rash that doesnt fade when i press a glass on it"],
    "sepsis": ["chest infection and now she is confused and mottled"],
    "eye": ["I splashed bleach in my eye", "there is a dark curtain over the vision in my right eye"],
    "fracture": ["the bone is sticking out of his leg", "her wrist is bent at a funny angle after the fall"],
    "blood pressure": ["bp 210/125 with a pounding headache"],
    "post-op breathless": ["since my operation I am suddenly short of breath now"],
    "atypical heart attack": ["heavy feeling in my jaw and upper back for an hour and I'm cold and clammy"],
    "angina spray": ["took my gtn twice and the angina hasn't shifted at all"],
    "vision in one eye": ["my left eye suddenly lost its sight, like a blind pulled down"],
    "be-fast": ["all of a sudden she can't see properly and can't walk straight"],
    "non-blanching rash": ["little red spots on his legs that don't fade when i roll a glass over them"],
    "child and tablets": ["found my son with my mum's heart tablets, some are missing"],
    "scald": ["my daughter pulled the kettle over, boiling water on her legs and the skin is peeling off"],
    "infant red signs": ["the baby's fontanelle is bulging and she has a strange high pitched cry"],
    "child breathing": ["my little girl is grunting with each breath and her ribs are sucking in"],
    "febrile seizure": ["my toddler has a fever and went stiff then started jerking"],
}
URGENT_TODAY = {
    "hearing": ["woke up this morning deaf in my left ear", "suddenly cant hear out of one ear"],
    "dvt": ["my calf is hot and swollen since the knee op"],
    "wound": ["the wound is oozing pus and smells", "my incision is red and swollen"],
    "fetal movements": ["34 weeks pregnant and the baby is kicking less than usual today"],
    "appendicitis": ["stomach ache started around my belly button and has moved to the lower right, feverish"],
    "high sugar": ["type 1, my glucose has been high all day and won't come down"],
    "sick child": ["my 9 month old has a temperature and only two wet nappies today, fewer wet nappies than usual"],
}


@pytest.mark.parametrize(
    ("category", "message"), [(c, m) for c, ms in EMERGENCIES.items() for m in ms], ids=lambda v: str(v)[:30]
)
def test_each_general_category_is_an_emergency(category: str, message: str) -> None:
    result = GENERAL_ONLY.triage(message)
    assert result is not None, category
    assert result.tier == "emergency"
    assert result.kind is UrgentKind.EMERGENCY


@pytest.mark.parametrize(
    ("category", "message"), [(c, m) for c, ms in URGENT_TODAY.items() for m in ms], ids=lambda v: str(v)[:30]
)
def test_urgent_today_categories(category: str, message: str) -> None:
    result = GENERAL_ONLY.triage(message)
    assert result is not None, category
    assert result.tier == "urgent"
    assert result.action == "clinic_today"


@pytest.mark.parametrize(
    "message",
    [
        "i have been fitting on and off for ten minutes",
        "she is seizing",
        "he had a fit and is still not responding",
        "my husband is convulsing on the floor",
        "my daughter is seizng",  # misspelt
        "im breething really hard and cant breath",
        "dad is unconsious",
    ],
)
def test_word_forms_and_misspellings_are_one_concept(message: str) -> None:
    assert GENERAL_ONLY.triage(message) is not None


# ---------------------------------------------------------------- context


@pytest.mark.parametrize(
    "message",
    [
        "no chest pain, just a bit tired",  # negated
        "I do not have a fever or a stiff neck",
        "what are the signs of a stroke?",  # asking about
        "can a heart attack cause jaw pain?",
        "is sudden hearing loss a risk of the operation",
        "what should I do if my face ever droops after surgery?",  # hypothetical
        "I'm scared my throat could swell up in the dentist's chair",
        "in case he has a seizure, what do we do?",
        "my father had a stroke years ago, his face still droops a little",  # historical
        "in 2015 I had a seizure",
        "will I have chest pain after the operation?",  # future
        "I overdosed on chocolate this weekend lol",  # not literal
        "I can hardly breathe with all these emails, can I change my appointment by phone?",  # figure of speech
        "the paperwork is killing me and my head is exploding, where do I send the form?",
        "drowning in homework this week, is there an evening clinic?",
    ],
)
def test_context_not_flagged(message: str) -> None:
    result = GENERAL_ONLY.triage(message)
    assert result is None or result.tier != "emergency", result


@pytest.mark.parametrize(
    "message", ["i've got my tablets saved up and tonight is the night", "having thoughts of ending my life"]
)
def test_suicidal_intent_or_thoughts_get_the_crisis_line(message: str) -> None:
    result = GENERAL_ONLY.triage(message)
    assert result is not None and result.action == "crisis_line" and result.kind is UrgentKind.SELF_HARM


def test_a_figure_of_speech_does_not_reach_a_real_sign_in_another_clause() -> None:
    result = GENERAL_ONLY.triage("with all these deadlines I ignored it, but now I can't breathe and my lips are blue")
    assert result is not None and result.tier == "emergency"


def test_a_later_question_never_cancels_a_flag() -> None:
    result = triage("Clear fluid is dripping from my nose since the operation. Is this normal?")
    assert result is not None
    result = GENERAL_ONLY.triage("My face dropped on one side an hour ago. Should I worry?")
    assert result is not None and result.tier == "emergency"


def test_a_present_cue_overrides_a_question_frame() -> None:
    assert GENERAL_ONLY.triage("will my face droop like this for ever, it started an hour ago") is not None


def test_self_harm_about_another_person_gets_the_crisis_line() -> None:
    for message in ("my brother says he wants to kill himself", "I think my mum is suicidal"):
        result = GENERAL_ONLY.triage(message)
        assert result is not None
        assert result.action == "crisis_line"
        assert result.kind is UrgentKind.SELF_HARM


def test_tiers() -> None:
    emergency = GENERAL_ONLY.triage("my wife collapsed and is not breathing")
    today = GENERAL_ONLY.triage("my stitches are oozing pus")
    assert emergency is not None and emergency.tier == "emergency" and emergency.action == "emergency_number"
    assert today is not None and today.tier == "urgent" and today.action == "clinic_today"
    both = GENERAL_ONLY.triage("my wound is oozing pus and now he has collapsed")
    assert both is not None and both.tier == "emergency"  # the most urgent flag wins


def test_the_clinic_table_adds_its_specialty() -> None:
    message = "salty drip at the back of my throat since the mvd"
    assert GENERAL_ONLY.triage(message) is None
    result = triage(message)
    assert result is not None and result.flag == "csf_leak_after_surgery"


def test_safety_net() -> None:
    assert acute_now("my knee has been really painful since this morning")
    assert acute_now("my son is dizzy right now")
    assert not acute_now("is dizziness a side effect of botox?")
    assert not acute_now("I had a bad headache last year")
    assert not acute_now("no pain at the moment")


# ---------------------------------------------------------------- the urgent sets


def cases(path: Path) -> list[tuple[str, str, str]]:
    """(id, message, role): urgent, lookalike or answerable."""
    out = []
    for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
        turns = case.get("turns") or [case]
        for n, turn in enumerate(turns):
            if not turn.get("message"):
                continue
            expect = turn.get("expect_type", case.get("expect_type") if len(turns) == 1 else None)
            if expect == "urgent":
                role = "urgent"
            elif "urgent" in (turn.get("expect_type_not"), case.get("expect_type_not")):
                role = "lookalike"
            else:
                role = "answerable"
            out.append((f"{case['id']}/{n}", turn["message"], role))
    return out


def _sets() -> list[object]:
    params: list[object] = [
        pytest.param(path, True, id=f"qa/{path.name}") for path in sorted((ROOT / "tests" / "qa").glob("*.yaml"))
    ]
    for name in ("ortho", "heart", "senses"):
        path = DEVSETS / name / "eval.yaml"
        params.append(pytest.param(path, False, id=f"devsets/{name}"))
    return params


@pytest.mark.parametrize(("path", "bundled"), _sets())
def test_recall_and_no_emergency_false_alarm(path: Path, bundled: bool) -> None:
    triager = default_triager() if bundled else GENERAL_ONLY
    missed, alarms = [], []
    for cid, message, role in cases(path):
        result = triager.triage(message)
        if role == "urgent" and result is None:
            missed.append(f"{cid}: {message}")
        elif role != "urgent" and result is not None and result.tier == "emergency":
            alarms.append(f"{cid} [{result.flag}]: {message}")
    assert not missed, f"urgent recall below 1.00: {missed}"
    assert not alarms, f"emergency-tier false alarms: {alarms}"


#: Sets written blind to the code (tests/triage/sets/README.md): a floor under recall, since their
#: misses were studied after the first run; never an emergency-tier false alarm.
BLIND_RECALL_FLOOR = 0.97


@pytest.mark.parametrize("path", sorted(BLIND.glob("*.yaml")), ids=lambda path: path.stem)
def test_blind_sets_keep_recall_and_raise_no_emergency_false_alarm(path: Path) -> None:
    triager = default_triager()
    roles = cases(path)
    urgent = [message for _cid, message, role in roles if role == "urgent"]
    caught = sum(triager.triage(message) is not None for message in urgent)
    alarms = [
        f"{cid}: {message}"
        for cid, message, role in roles
        if role != "urgent" and (found := triager.triage(message)) is not None and found.tier == "emergency"
    ]
    assert len(urgent) >= 40
    assert caught / len(urgent) >= BLIND_RECALL_FLOOR, f"recall {caught}/{len(urgent)}"
    assert not alarms, f"emergency-tier false alarms: {alarms}"
