"""Build chatbot/data/wordnet.tsv.gz from WordNet 3.0 (development time only).

The chatbot never reads WordNet itself: this script turns the parts of WordNet the analyser uses into a
small table that is committed with the package, so nothing is downloaded at install or run time.

Source: WordNet 3.0 as Debian ships it (`apt-get install wordnet-base wordnet-sense-index`), read
through nltk's WordNet reader. nltk's reader also wants a `lexnames` file, which Debian's packages
lack; the script writes the standard 45-line list into a temporary copy of the dictionary folder.

    pip install wordfreq   # development time only: leaves out synonyms that are rare English
    python scripts/build_wordnet_table.py [--dict DIR] [--out chatbot/data/wordnet.tsv.gz]

Table format (gzip, UTF-8, one line per key, sorted; the first line is a `#` comment):

    word <TAB> parts of speech <TAB> derivations <TAB> synonyms <TAB> inflection bases

- word: a single lowercase alphabetic word.
- parts of speech: the subset of `nvar` (noun, verb, adjective, adverb) under which WordNet lists
  the word as a lemma; empty for an irregular inflection that is no lemma itself.
- derivations: comma-separated derivationally related forms and pertainyms of the word's lemmas
  (paralysis -> paralytic, infect -> infection), plus two regular alternations WordNet leaves
  unlinked, applied only between words WordNet lists: verbs in -en that WordNet's own gloss defines
  by their adjective (worsen "grow worse" <-> worse) and -yse/-yze verbs with -ysis nouns
  (paralyse <-> paralysis).
- synonyms: comma-separated lemmas sharing a synset with the word (phrases use spaces), kept only
  where the shared sense is a common sense of both words by WordNet's own sense-tagged counts (see
  `_sense_share`) and the synonym is not rare English by wordfreq.
- inflection bases: `pos:base` pairs from WordNet's irregular-form lists (swollen -> v:swell);
  `pos:word` itself where the list blocks the regular rules without giving a base.
  Regular inflections are left to WordNet's detachment rules at run time (chatbot/text/lexicon.py).
"""

from __future__ import annotations

import argparse
import gzip
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from wordfreq import zipf_frequency

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "chatbot" / "data" / "wordnet.tsv.gz"

# WordNet 3.0's lexicographer files, in file-number order (lexnames(5WN)): name and syntactic category
# (1 noun, 2 verb, 3 adjective, 4 adverb).
LEXNAMES = (
    ("adj.all", 3), ("adj.pert", 3), ("adv.all", 4), ("noun.Tops", 1), ("noun.act", 1),
    ("noun.animal", 1), ("noun.artifact", 1), ("noun.attribute", 1), ("noun.body", 1),
    ("noun.cognition", 1), ("noun.communication", 1), ("noun.event", 1), ("noun.feeling", 1),
    ("noun.food", 1), ("noun.group", 1), ("noun.location", 1), ("noun.motive", 1), ("noun.object", 1),
    ("noun.person", 1), ("noun.phenomenon", 1), ("noun.plant", 1), ("noun.possession", 1),
    ("noun.process", 1), ("noun.quantity", 1), ("noun.relation", 1), ("noun.shape", 1),
    ("noun.state", 1), ("noun.substance", 1), ("noun.time", 1), ("verb.body", 2), ("verb.change", 2),
    ("verb.cognition", 2), ("verb.communication", 2), ("verb.competition", 2), ("verb.consumption", 2),
    ("verb.contact", 2), ("verb.creation", 2), ("verb.emotion", 2), ("verb.motion", 2),
    ("verb.perception", 2), ("verb.possession", 2), ("verb.social", 2), ("verb.stative", 2),
    ("verb.weather", 2), ("adj.ppl", 3),
)  # fmt: skip

POS_ORDER = "nvar"
EXC_FILES = {"n": "noun.exc", "v": "verb.exc", "a": "adj.exc", "r": "adv.exc"}
WORD = re.compile(r"[a-z]+")
PHRASE = re.compile(r"[a-z]+(?: [a-z]+){1,2}")  # synonyms may be phrases of up to three words

MIN_WORD_LEN = 2
# A synonym must be at least this common in English (wordfreq's Zipf scale: 3 is once per million words);
# it drops WordNet's archaic and technical variants (grume, pensionary, physiatrics) that no patient
# writes and no leaflet uses.
SYNONYM_MIN_ZIPF = 2.0
# Derivations rarer than this are dropped (paralytical); a derivation is a form of the same word, so the
# bar is lower than for synonyms.
DERIVATION_MIN_ZIPF = 1.0
# A shared synset counts as a synonym only if it is a common sense of *both* words: its share of the
# word's sense-tagged occurrences (add-one smoothed over the word's senses) must reach this. Without it
# "repair" (whose 1st sense lists "doctor") would expand to "doctor" and "doctor" to "repair".
MIN_SENSE_SHARE = 0.1
MAX_SYNONYMS = 12


def debian_dict() -> Path:
    """The dictionary folder of Debian's wordnet-base package, as dpkg lists it."""
    try:
        listing = subprocess.run(["dpkg", "-L", "wordnet-base"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        sys.exit("Debian's wordnet-base package is not installed: apt-get install wordnet-base wordnet-sense-index")
    for line in listing.splitlines():
        if line.endswith("/data.noun"):
            return Path(line).parent
    sys.exit("wordnet-base lists no data.noun")


def prepare_dict(source: Path, workdir: Path) -> Path:
    """Copy the WordNet dictionary into an nltk data layout and add the `lexnames` file Debian lacks."""
    target = workdir / "corpora" / "wordnet"
    target.mkdir(parents=True)
    for path in source.iterdir():
        if path.is_file():
            shutil.copyfile(path, target / path.name)
    missing = [name for name in ("data.noun", "index.noun", "index.sense", "noun.exc") if not (target / name).exists()]
    if missing:
        sys.exit(f"{source}: missing {', '.join(missing)} (apt-get install wordnet-base wordnet-sense-index)")
    lines = (f"{number:02d}\t{name}\t{category}\n" for number, (name, category) in enumerate(LEXNAMES))
    (target / "lexnames").write_text("".join(lines), encoding="ascii")
    return target


def load_wordnet(workdir: Path) -> Any:
    import nltk

    nltk.data.path.insert(0, str(workdir))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from nltk.corpus import wordnet

        version = wordnet.get_version()
    if version != "3.0":
        sys.exit(f"expected WordNet 3.0, the reader found {version!r}")
    return wordnet


def zipf(word: str) -> float:
    return float(zipf_frequency(word, "en"))


def read_exceptions(folder: Path, lemmas: dict[str, set[str]]) -> dict[str, list[str]]:
    """Irregular inflections from WordNet's .exc files: form -> ["v:swell", ...] (bases WordNet lists).

    A form listed with no usable base (number -> number in adj.exc) is kept as "pos:form": like morphy,
    the run-time lookup then applies no detachment rule for that part of speech (number is not numb+er).
    """
    bases: dict[str, list[str]] = defaultdict(list)
    for pos, name in EXC_FILES.items():
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            form, *targets = line.split()
            if not WORD.fullmatch(form) or len(form) < MIN_WORD_LEN:
                continue
            usable = [base for base in targets if base != form and WORD.fullmatch(base) and pos in lemmas.get(base, ())]
            for base in usable or [form]:
                entry = f"{pos}:{base}"
                if entry not in bases[form]:
                    bases[form].append(entry)
    return bases


def own_lemmas(wn: Any, word: str, pos: str) -> list[Any]:
    """The word's own Lemma objects for one part of speech, in WordNet's sense order (most frequent first)."""
    poses = ("a", "s") if pos == "a" else (pos,)
    found = []
    for synset in wn.synsets(word, pos=pos):
        if synset.pos() not in poses:
            continue
        found.extend(lemma for lemma in synset.lemmas() if lemma.name() == word)
    return found


def _sense_share(wn: Any, name: str, synset: Any, cache: dict[str, dict[str, float]]) -> float:
    """How much of `name`'s use is this synset, over all its parts of speech: (count+1)/(total+senses).

    The counts are WordNet's own sense-tagged frequencies (cntlist); add-one smoothing lets words that
    the tagged texts never saw share equally among their senses.
    """
    if name not in cache:
        lemmas = [lemma for pos in POS_ORDER for lemma in own_lemmas(wn, name, pos)]
        counts = [lemma.count() for lemma in lemmas]
        total = sum(counts) + len(counts)
        cache[name] = {lemma.synset().name(): (count + 1) / total for lemma, count in zip(lemmas, counts, strict=True)}
    return cache[name].get(synset.name(), 0.0)


def derivations_of(wn: Any, word: str) -> set[str]:
    related: set[str] = set()
    for synset in wn.synsets(word):
        for lemma in synset.lemmas():
            if lemma.name() != word:
                continue
            for other in (*lemma.derivationally_related_forms(), *lemma.pertainyms()):
                related.add(other.name())
    return {name for name in related if name != word and WORD.fullmatch(name) and zipf(name) >= DERIVATION_MIN_ZIPF}


def en_verb_adjectives(wn: Any, verb: str, lemmas: dict[str, set[str]]) -> set[str]:
    """Adjectives a verb in -en is made from, where WordNet's own gloss of the verb uses that adjective.

    worsen "grow worse" -> worse; harden "become hard or harder" -> hard; fasten "cause to be firmly
    attached" -> nothing (fast is an adjective, but the gloss does not use it).
    """
    if not verb.endswith("en") or len(verb) < 5:
        return set()
    stem = verb[:-2]
    candidates = {stem, verb[:-1]}
    if len(stem) > 2 and stem[-1] == stem[-2]:
        candidates.add(stem[:-1])  # flatten -> flat
    candidates = {c for c in candidates if "a" in lemmas.get(c, ())}
    if not candidates:
        return set()
    found: set[str] = set()
    for synset in wn.synsets(verb, pos="v"):
        for token in re.findall(r"[a-z]+", synset.definition().lower()):
            forms = {token, *wn._morphy(token, "a")}
            found |= candidates & forms
    return found


def lysis_verbs(noun: str, lemmas: dict[str, set[str]]) -> list[str]:
    """The verbs in -yse/-yze of a noun in -ysis (paralysis -> paralyse, paralyze; analysis -> analyse).

    WordNet links some of these pairs (analyze/analysis) and not others (paralyze/paralysis); the
    alternation is regular English morphology, applied only where WordNet lists both words.
    """
    stem = noun[: -len("ysis")]
    return [verb for verb in (stem + "yse", stem + "yze") if "v" in lemmas.get(verb, ())]


def synonyms_of(wn: Any, word: str, poses: str, cache: dict[str, dict[str, float]]) -> list[str]:
    found: list[str] = []
    for pos in poses:
        for lemma in own_lemmas(wn, word, pos):
            synset = lemma.synset()
            if _sense_share(wn, word, synset, cache) < MIN_SENSE_SHARE:
                continue
            for other in synset.lemmas():
                name = other.name()
                if name == word or name != name.lower():
                    continue  # the word itself; proper names and acronyms (MD, SOB)
                text = name.replace("_", " ")
                if not (WORD.fullmatch(text) or PHRASE.fullmatch(text)) or text in found:
                    continue
                if zipf(text) < SYNONYM_MIN_ZIPF or _sense_share(wn, name, synset, cache) < MIN_SENSE_SHARE:
                    continue
                found.append(text)
    return found


def build(wn: Any, folder: Path) -> dict[str, tuple[str, list[str], list[str], list[str]]]:
    lemmas: dict[str, set[str]] = defaultdict(set)
    for pos in POS_ORDER:
        for name in wn.all_lemma_names(pos=pos):
            if WORD.fullmatch(name) and len(name) >= MIN_WORD_LEN:
                lemmas[name].add(pos)
    exceptions = read_exceptions(folder, lemmas)

    derivations: dict[str, set[str]] = defaultdict(set)
    synonyms: dict[str, list[str]] = {}
    cache: dict[str, dict[str, float]] = {}
    for word, poses in lemmas.items():
        derivations[word] |= derivations_of(wn, word)
        if "v" in poses:
            for adjective in en_verb_adjectives(wn, word, lemmas):
                derivations[word].add(adjective)
                derivations[adjective].add(word)
        if "n" in poses and word.endswith("ysis"):
            for verb in lysis_verbs(word, lemmas):
                derivations[word].add(verb)
                derivations[verb].add(word)
        synonyms[word] = synonyms_of(wn, word, "".join(p for p in POS_ORDER if p in poses), cache)
    # A synonym pair passes the same test from either side (both shares are checked), so the relation is
    # symmetric already for single words; derivations are made symmetric here (WordNet nearly is).
    for word, related in list(derivations.items()):
        for other in related:
            if other in lemmas and zipf(word) >= DERIVATION_MIN_ZIPF:
                derivations[other].add(word)

    table: dict[str, tuple[str, list[str], list[str], list[str]]] = {}
    for word in sorted(set(lemmas) | set(exceptions)):
        poses = "".join(p for p in POS_ORDER if p in lemmas.get(word, ()))
        derived = sorted(derivations.get(word, set()) - {word})
        similar = synonyms.get(word, [])[:MAX_SYNONYMS]
        bases = exceptions.get(word, [])
        if derived or similar or bases or poses:
            table[word] = (poses, derived, similar, bases)
    return table


def write_table(table: dict[str, tuple[str, list[str], list[str], list[str]]], out: Path) -> None:
    lines = [
        "# WordNet 3.0 (Princeton University; licence in WORDNET_LICENSE.txt), built by scripts/build_wordnet_table.py"
    ]
    for word, (poses, derived, similar, bases) in table.items():
        lines.append("\t".join((word, poses, ",".join(derived), ",".join(similar), ",".join(bases))))
    data = ("\n".join(lines) + "\n").encode("utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0: the same table gives the same bytes, so a rebuild without changes shows no diff.
    with out.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(data)


def print_stats(table: dict[str, tuple[str, list[str], list[str], list[str]]], out: Path) -> None:
    def count(values: Iterable[list[str]]) -> tuple[int, int]:
        lists = list(values)
        return sum(1 for v in lists if v), sum(len(v) for v in lists)

    keys_d, pairs_d = count(entry[1] for entry in table.values())
    keys_s, pairs_s = count(entry[2] for entry in table.values())
    keys_b, pairs_b = count(entry[3] for entry in table.values())
    phrases = sum(1 for entry in table.values() for s in entry[2] if " " in s)
    print(f"keys: {len(table)}")
    print(f"with derivations: {keys_d} words, {pairs_d} links")
    print(f"with synonyms: {keys_s} words, {pairs_s} links ({phrases} of them phrases)")
    print(f"irregular inflections: {keys_b} forms, {pairs_b} bases")
    print(f"{out.name}: {out.stat().st_size / 1024:.0f} KiB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dict", type=Path, help="WordNet 3.0 dict folder (default: Debian's wordnet-base)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = prepare_dict(args.dict or debian_dict(), Path(tmp))
        wn = load_wordnet(Path(tmp))
        table = build(wn, folder)
    write_table(table, args.out)
    print_stats(table, args.out)
    print(f"built in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
