"""The character model's corpus: CPython 3.11.7's top-level standard-library modules, verbatim.

The snapshot is data, not code: one archive, ``lstm_book/data/cpython-3.11.7.tar.xz`` (167 files,
4.66 million characters; 0.9 MB compressed), under the PSF licence (``LICENSE-PSF.txt`` and a
``README.md`` beside it), so every machine trains on the same text and nothing is downloaded.
:func:`load` reads it with :mod:`tarfile`, checks the archive against :data:`ARCHIVE_SHA256`, every
file against its ``SHA256SUMS`` and that list against :data:`MANIFEST_SHA256`, and refuses a snapshot
that differs.

* **Split by file.** A file's split is decided by the SHA-256 of its name alone (:func:`split_of`):
  the first 64 bits read as a fraction ``u`` in [0, 1); ``u < 0.1`` is a test file, ``u < 0.2`` a
  validation file, the rest train. So no file is ever split between sets, the rule needs no
  random seed, and it does not depend on which other files exist.
* **Streams.** A split's files, in sorted order, are concatenated into one text (:class:`Stream`):
  the text a model reads, and the boundaries of each file in it.
* **Symbols.** :data:`VOCAB` is fixed, not taken from the data: the newline, the 95 printable ASCII
  characters, and one symbol (:data:`OTHER`) for every other character (90 non-ASCII characters in
  the whole snapshot, in comments and strings), so ``V = 97``. One character is one symbol, so
  positions in the text and in the encoded stream agree.
"""

from __future__ import annotations

import hashlib
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ARCHIVE = Path(__file__).resolve().parent / "data" / "cpython-3.11.7.tar.xz"
ARCHIVE_SHA256 = "840d24cd8f0ca0b535d7ff5291ac4faf2f23b3ffd621a350aab94d0040adb311"
MEMBER_FOLDER = "cpython-3.11.7"  # every file of the archive is MEMBER_FOLDER/<name>
MANIFEST_SHA256 = "29b5a616e44954eed3256d4aacb5b5e438893d51dbf2499ee2e7fbfa68aeb4f9"  # of SHA256SUMS
SPLITS = ("train", "validation", "test")
TEST_FRACTION, VALIDATION_FRACTION = 0.1, 0.1

VOCAB = "\n" + "".join(chr(c) for c in range(32, 127))  # newline and printable ASCII: ids 0 … 95
OTHER = len(VOCAB)  # id 96: any other character
VOCAB_SIZE = len(VOCAB) + 1
OTHER_CHAR = "\N{REPLACEMENT CHARACTER}"  # how OTHER is shown when decoding
_TABLE = np.full(128, OTHER, dtype=np.uint8)
_TABLE[[ord(ch) for ch in VOCAB]] = np.arange(len(VOCAB), dtype=np.uint8)


class CorpusError(Exception):
    """The snapshot on disk is not the one the book was made from."""


RESTORE = "restore it with `git checkout -- lstm_book/data`"


def _checked(blob: bytes | None, name: str, expected: str, named: str) -> bytes:
    """``blob`` (the bytes of ``name``), refused in one sentence if it is missing (None) or its SHA-256 is
    not ``expected`` (``named``: that hash as the message gives it, e.g. ``"<hash> as SHA256SUMS lists"``)."""
    if blob is None:
        raise CorpusError(f"corpus file {name} is missing; {RESTORE}")
    digest = hashlib.sha256(blob).hexdigest()
    if digest != expected:
        raise CorpusError(f"corpus file {name} has SHA-256 {digest}, not {named}: the snapshot was changed; {RESTORE}")
    return blob


def read_archive(archive: Path = ARCHIVE, archive_sha256: str | None = ARCHIVE_SHA256) -> dict[str, bytes]:
    """``{name: bytes}`` of every file in the archive, after checking the archive's own SHA-256
    (``None``: not checked; for tests that build an archive of their own)."""
    if not archive.is_file():
        raise CorpusError(f"corpus archive {archive} is missing; {RESTORE}")
    if archive_sha256 is not None:
        _checked(archive.read_bytes(), str(archive), archive_sha256, f"the pinned {archive_sha256}")
    with tarfile.open(archive, "r:xz") as tar:
        return {m.name.removeprefix(f"{MEMBER_FOLDER}/"): tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def manifest(files: dict[str, bytes]) -> dict[str, str]:
    """``SHA256SUMS`` of the snapshot as ``{file name: SHA-256}``, after checking its own hash."""
    blob = _checked(files.get("SHA256SUMS"), "SHA256SUMS", MANIFEST_SHA256, f"the pinned {MANIFEST_SHA256}")
    return {name: sha for sha, name in (line.split("  ", 1) for line in blob.decode().splitlines())}


# --8<-- [start:split]
def split_of(name: str) -> str:
    """``"train"``, ``"validation"`` or ``"test"``: decided by the SHA-256 of the file name alone."""
    u = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") / 2**64
    return "test" if u < TEST_FRACTION else "validation" if u < TEST_FRACTION + VALIDATION_FRACTION else "train"
# --8<-- [end:split]


def load(archive: Path = ARCHIVE, archive_sha256: str | None = ARCHIVE_SHA256) -> dict[str, str]:
    """Every file of the snapshot, ``{name: text}`` in sorted order, each checked against ``SHA256SUMS``."""
    files = read_archive(archive, archive_sha256)
    return {name: _checked(files.get(name), name, expected, f"{expected} as SHA256SUMS lists").decode("utf-8")
            for name, expected in sorted(manifest(files).items())}


def encode(text: str) -> np.ndarray:
    """``(len(text),)`` uint8 symbol ids: the newline and printable ASCII as in :data:`VOCAB`, all else :data:`OTHER`."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    return np.where(codes < 128, _TABLE[np.minimum(codes, 127)], OTHER).astype(np.uint8)


def decode(ids) -> str:
    """The text of a sequence of symbol ids (:data:`OTHER` shown as :data:`OTHER_CHAR`)."""
    return "".join(VOCAB[i] if i < OTHER else OTHER_CHAR for i in np.asarray(ids).tolist())


@dataclass(frozen=True)
class Stream:
    """The files of one split read one after another: what a model reads, and where each file is in it."""

    text: str
    ids: np.ndarray  # (len(text),) uint8
    files: tuple[tuple[str, int, int], ...]  # (name, start, end): the file is text[start:end]

    def __len__(self) -> int:
        return len(self.text)

    def head(self, n: int | None) -> Stream:
        """The first ``n`` characters (all of them if ``n`` is None), with the files they reach."""
        if n is None or n >= len(self):
            return self
        files = tuple((name, s, min(e, n)) for name, s, e in self.files if s < n)
        return Stream(self.text[:n], self.ids[:n], files)


def stream(texts: dict[str, str], names) -> Stream:
    """The files ``names`` (in sorted order) of ``texts``, concatenated."""
    parts, files, start = [], [], 0
    for name in sorted(names):
        parts.append(texts[name])
        files.append((name, start, start + len(texts[name])))
        start += len(texts[name])
    text = "".join(parts)
    return Stream(text, encode(text), tuple(files))


def splits(texts: dict[str, str] | None = None) -> dict[str, Stream]:
    """The train, validation and test streams of the snapshot (loaded and checked if ``texts`` is None)."""
    texts = load() if texts is None else texts
    return {s: stream(texts, [n for n in texts if split_of(n) == s]) for s in SPLITS}
