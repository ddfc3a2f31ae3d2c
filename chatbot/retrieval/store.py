"""The saved index: build once, load on start-up when nothing that affects it changed.

``chatbot index`` (and ``chatbot serve`` after a rebuild) saves the read corpus and
its analysed passages in the index folder (``index_cache``, default
``.chatbot-index/`` inside the corpus folder), under a **fingerprint** of everything
that decides the index: the name, size and SHA-256 of every file in the corpus folder
(documents, the synonyms file), the synonyms file in use, the BM25 settings, the
package version and a digest of the package's own code and data files. A saved index
is loaded only when its fingerprint equals the current one; otherwise the corpus is
read and indexed again.

Format (no pickle, nothing executable): ``index-<fp>.json`` holds the documents
(text, blocks, headings), the passages, corpus errors and warnings, the term
vocabulary and the spelling vocabulary; ``index-<fp>.npz`` (numpy, loaded with
``allow_pickle=False``) holds every passage's analysed terms as term ids
(``terms`` + ``offsets``, CSR style). Analysis and reading the files are the costly
steps; loading rebuilds the BM25 arrays from the saved terms with the index's own
constructor, so scores are exactly those of a fresh build and the file does not
depend on the BM25 module's internal layout. Files are written under temporary names
and renamed into place, so a reader never sees half a file; the two newest sets are
kept.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np

from chatbot import __version__
from chatbot.clinic import bundled_corpus_dir
from chatbot.config import Settings
from chatbot.documents.load import SYNONYMS_FILE_NAMES, load_corpus
from chatbot.documents.model import Corpus
from chatbot.documents.passages import Passage, split_all
from chatbot.documents.records import corpus_from, corpus_record, record_of, restore
from chatbot.errors import IndexBuildError
from chatbot.retrieval.bm25 import BM25Params, EncodedTerms
from chatbot.retrieval.index import PassageIndex
from chatbot.text.analyzer import Analyzer
from chatbot.text.lexicon import load_stopwords, resolve_synonyms
from chatbot.text.spelling import Vocabulary

__all__ = [
    "INDEX_FORMAT",
    "Loaded",
    "bm25_params",
    "build",
    "corpus_root",
    "fingerprint",
    "index_dir",
    "load",
    "load_or_build",
    "save",
    "stat_signature",
]

log = logging.getLogger("chatbot.index")

#: Bumped when the saved layout changes.
INDEX_FORMAT = 1
#: Settings that change the index (the others only change replies).
INDEX_SETTINGS = ("bm25_k1", "bm25_b", "bm25_delta", "synonyms")
DIR_NAME = ".chatbot-index"
KEEP = 2


@dataclass(frozen=True, slots=True)
class Loaded:
    """A corpus and its index, the fingerprint of what they were built from, and where they came from."""

    corpus: Corpus
    index: PassageIndex
    fingerprint: str
    source: Literal["saved", "built"]
    path: Path | None
    seconds: float


def corpus_root(settings: Settings) -> Path:
    return settings.corpus or bundled_corpus_dir()


def _folder(root: Path) -> Path:
    return root if root.is_dir() else root.parent


def index_dir(settings: Settings) -> Path:
    """Where the index is saved: ``index_cache``, else ``.chatbot-index`` in the corpus folder."""
    return settings.index_cache or _folder(corpus_root(settings)) / DIR_NAME


def _watched_files(settings: Settings) -> Iterator[Path]:
    """Every file that can change the index: the corpus (not hidden files) and the synonyms."""
    root = corpus_root(settings)
    if root.is_file():
        yield root
        folder = root.parent
        for name in SYNONYMS_FILE_NAMES:
            if (folder / name).is_file():
                yield folder / name
    elif root.is_dir():
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if not any(part.startswith(".") for part in rel.parts) and path.is_file():
                yield path
    if settings.synonyms is not None and settings.synonyms.is_file():
        yield settings.synonyms


def stat_signature(settings: Settings) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of the watched files: cheap, for polling."""
    signature = []
    for path in _watched_files(settings):
        try:
            stat = path.stat()
        except OSError:  # removed between listing and stat: the next poll sees it gone
            continue
        signature.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(signature)


@cache
def code_digest() -> str:
    """SHA-256 over the package's source and data files (a code change invalidates saved indexes)."""
    package = Path(__file__).resolve().parents[1]  # the chatbot package
    digest = hashlib.sha256()
    kinds = {".py", ".txt", ".yaml", ".yml", ".json"}
    for path in sorted(package.rglob("*")):
        if path.suffix in kinds and "__pycache__" not in path.parts and path.is_file():
            digest.update(str(path.relative_to(package)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fingerprint(settings: Settings) -> str:
    """What the index depends on, hashed: file names, sizes and contents, settings, code."""
    root = corpus_root(settings)
    folder = _folder(root)
    digest = hashlib.sha256()
    header = {
        "format": INDEX_FORMAT,
        "version": __version__,
        "code": code_digest(),
        "settings": {key: str(getattr(settings, key)) for key in INDEX_SETTINGS},
        "root_is_file": root.is_file(),
    }
    digest.update(json.dumps(header, sort_keys=True).encode())
    bundled = bundled_corpus_dir() / SYNONYMS_FILE_NAMES[0]
    files = list(_watched_files(settings))
    if bundled.is_file():
        files.append(bundled)
    for path in files:
        try:
            name = str(path.relative_to(folder))
        except ValueError:
            name = str(path)
        try:
            size, content = path.stat().st_size, _file_digest(path)
        except OSError:
            size, content = -1, "unreadable"
        digest.update(f"\n{name}\0{size}\0{content}".encode())
    return digest.hexdigest()[:32]


# --- save and load --------------------------------------------------------------------------


def _write_atomic(path: Path, write: Any) -> None:
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _prune(directory: Path, keep: str) -> None:
    """Keep the newest ``KEEP`` index sets (always the current one)."""
    sets = sorted(directory.glob("index-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    old = [p for p in sets if p.stem != f"index-{keep}"][KEEP - 1 :]
    for json_path in old:
        json_path.unlink(missing_ok=True)
        json_path.with_suffix(".npz").unlink(missing_ok=True)


def build(settings: Settings, *, workers: int = 1) -> tuple[Corpus, PassageIndex]:
    """Read the corpus named by the settings and index its passages.

    ``workers`` > 1 analyses a large corpus in that many forked processes (see
    :func:`chatbot.retrieval.index.encode_passages`); only for callers with no other threads.
    """
    root = corpus_root(settings)
    corpus = load_corpus(root)
    analyzer = Analyzer(stopwords=load_stopwords(), synonyms=resolve_synonyms(settings.synonyms, root))
    index = PassageIndex(split_all(corpus.documents), analyzer=analyzer, params=bm25_params(settings), workers=workers)
    return corpus, index


def bm25_params(settings: Settings) -> BM25Params:
    return BM25Params(k1=settings.bm25_k1, b=settings.bm25_b, delta=settings.bm25_delta)


def save(corpus: Corpus, index: PassageIndex, settings: Settings, digest: str) -> Path:
    """Write ``corpus`` and its ``index`` under ``digest``; returns the JSON file's path."""
    directory = index_dir(settings)
    folder = _folder(corpus_root(settings))
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IndexBuildError(f"cannot create the index folder {directory}: {exc.strerror or exc}") from None
    term_ids: dict[str, int] = {}
    flat: list[int] = []
    offsets = [0]
    for passage in index.passages:
        for term in index.analyzer.terms(passage.search_text):
            flat.append(term_ids.setdefault(term, len(term_ids)))
        offsets.append(len(flat))
    record = {
        "format": INDEX_FORMAT,
        "fingerprint": digest,
        "version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "corpus": corpus_record(corpus, folder),
        "passages": [record_of(passage) for passage in index.passages],
        "terms": list(term_ids),
        "vocabulary": dict(index.vocabulary.counts),
    }
    json_path = directory / f"index-{digest}.json"
    try:
        _write_atomic(
            json_path.with_suffix(".npz"),
            lambda out: np.savez_compressed(
                out,
                terms=np.asarray(flat, dtype=np.int32),
                offsets=np.asarray(offsets, dtype=np.int64),
            ),
        )
        _write_atomic(json_path, lambda out: out.write(json.dumps(record, ensure_ascii=False).encode("utf-8")))
        _prune(directory, digest)
    except OSError as exc:
        raise IndexBuildError(f"cannot save the index in {directory}: {exc.strerror or exc}") from None
    return json_path


def _check(condition: bool, what: str) -> None:
    if not condition:
        raise IndexBuildError(f"the saved index is inconsistent: {what}")


def load(settings: Settings, digest: str) -> tuple[Corpus, PassageIndex, Path] | None:
    """The saved corpus and index for ``digest``, or None when there is none (or it cannot be used)."""
    json_path = index_dir(settings) / f"index-{digest}.json"
    if not json_path.is_file():
        return None
    root = corpus_root(settings)
    try:
        record = json.loads(json_path.read_text(encoding="utf-8"))
        _check(record.get("format") == INDEX_FORMAT and record.get("fingerprint") == digest, "format or fingerprint")
        with json_path.with_suffix(".npz").open("rb") as handle, np.load(handle, allow_pickle=False) as arrays:
            flat = np.asarray(arrays["terms"], dtype=np.int64)  # (np.load leaks its own handle on a bad file)
            offsets = np.asarray(arrays["offsets"], dtype=np.int64)
        corpus = corpus_from(record["corpus"], root)
        passages = [restore(Passage, item) for item in record["passages"]]
        vocabulary: list[str] = record["terms"]
        _check(len(offsets) == len(passages) + 1 and offsets[0] == 0 and offsets[-1] == len(flat), "offsets")
        _check(bool(np.all(np.diff(offsets) >= 0)), "offsets decrease")
        _check(len(flat) == 0 or (int(flat.min()) >= 0 and int(flat.max()) < len(vocabulary)), "term ids")
        ids = flat.tolist()
        encoded = EncodedTerms.of(
            [[vocabulary[i] for i in ids[offsets[n] : offsets[n + 1]]] for n in range(len(passages))]
        )
        analyzer = Analyzer(stopwords=load_stopwords(), synonyms=resolve_synonyms(settings.synonyms, root))
        index = PassageIndex(
            passages,
            analyzer=analyzer,
            params=bm25_params(settings),
            encoded=encoded,
            vocabulary=Vocabulary(record["vocabulary"]),
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError, zipfile.BadZipFile, IndexBuildError) as exc:
        log.warning("saved index %s cannot be used (%s); rebuilding", json_path, exc)
        return None
    return corpus, index, json_path


def load_or_build(settings: Settings, *, save_built: bool = True, workers: int = 1) -> Loaded:
    """The saved index when its fingerprint matches, else a fresh build (saved when possible).

    ``workers`` > 1 lets a fresh build of a large corpus analyse in forked processes
    (:func:`chatbot.retrieval.index.encode_passages`): only for a caller with no other threads.
    """
    started = time.perf_counter()
    digest = fingerprint(settings)
    found = load(settings, digest)
    if found is not None:
        corpus, index, path = found
        return Loaded(corpus, index, digest, "saved", path, time.perf_counter() - started)
    corpus, index = build(settings, workers=workers)
    saved_at: Path | None = None
    if save_built:
        if fingerprint(settings) != digest:
            # The files changed while they were read: label nothing with a stale fingerprint.
            log.info("corpus changed during the build; the index is not saved this time")
        else:
            try:
                saved_at = save(corpus, index, settings, digest)
            except IndexBuildError as exc:
                log.warning("%s; serving without a saved index", exc)
    return Loaded(corpus, index, digest, "built", saved_at, time.perf_counter() - started)
