"""Walk the paths to check, honouring ``.gitignore`` files and ``-i`` ignore files."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pathspec

from .config import CheckConfigError

_ALWAYS_PRUNED = frozenset({".git", ".hg", ".svn"})


def compile_patterns(lines: Sequence[str]) -> pathspec.PathSpec[pathspec.Pattern]:
    """Gitignore-syntax patterns; the last matching pattern decides."""
    return pathspec.PathSpec.from_lines("gitignore", lines)


def load_ignore_file(path: Path) -> pathspec.PathSpec[pathspec.Pattern]:
    """Read an ignore file given with ``-i``; raises :class:`CheckConfigError`."""
    try:
        return compile_patterns(path.read_text(encoding="utf-8").splitlines())
    except OSError as err:
        raise CheckConfigError(
            f"cannot read ignore file {path}: {err.strerror}"
        ) from err


@dataclass(frozen=True)
class Candidate:
    """A file to look at: where it is and the path shown to the user."""

    path: Path
    display: str


@dataclass
class _Scope:
    directory: str
    spec: pathspec.PathSpec[pathspec.Pattern]


def discover(
    roots: Sequence[str],
    ignore: Sequence[pathspec.PathSpec[pathspec.Pattern]] = (),
    use_gitignore: bool = True,
) -> Iterator[Candidate]:
    """Every file under ``roots`` (directories walked, files taken as given).

    ``ignore`` specs match paths relative to each root; ``.gitignore`` files
    match relative to their own directory.  Ignored directories are pruned,
    and so are VCS directories.
    """
    for root in roots:
        if os.path.isdir(root):
            yield from _walk(root, ignore, use_gitignore)
        elif os.path.exists(root):
            name = Path(root).as_posix()
            if not any(spec.match_file(name) for spec in ignore):
                yield Candidate(Path(root), name)
        else:
            raise CheckConfigError(f"{root}: no such file or directory")


def _walk(
    root: str,
    ignore: Sequence[pathspec.PathSpec[pathspec.Pattern]],
    use_gitignore: bool,
) -> Iterator[Candidate]:
    stack: list[tuple[str, list[_Scope]]] = [("", [])]
    while stack:
        relative_dir, scopes = stack.pop()
        directory = os.path.join(root, relative_dir) if relative_dir else root
        if use_gitignore:
            scopes = _with_gitignore(directory, relative_dir, scopes)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as err:
            raise CheckConfigError(
                f"cannot read directory {directory}: {err.strerror}"
            ) from err
        subdirs = []
        for entry in entries:
            relative = f"{relative_dir}/{entry.name}" if relative_dir else entry.name
            is_dir = entry.is_dir(follow_symlinks=False)
            if is_dir and entry.name in _ALWAYS_PRUNED:
                continue
            if _ignored(relative, is_dir, ignore, scopes):
                continue
            if is_dir:
                subdirs.append((relative, scopes))
            elif entry.is_file():
                display = Path(
                    os.path.normpath(os.path.join(root, relative))
                ).as_posix()
                yield Candidate(Path(entry.path), display)
        stack.extend(reversed(subdirs))


def _with_gitignore(
    directory: str, relative_dir: str, scopes: list[_Scope]
) -> list[_Scope]:
    gitignore = os.path.join(directory, ".gitignore")
    try:
        with open(gitignore, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return scopes
    return [*scopes, _Scope(relative_dir, compile_patterns(lines))]


def _ignored(
    relative: str,
    is_dir: bool,
    ignore: Sequence[pathspec.PathSpec[pathspec.Pattern]],
    scopes: list[_Scope],
) -> bool:
    probe = relative + "/" if is_dir else relative
    if any(spec.match_file(probe) for spec in ignore):
        return True
    for scope in scopes:
        inner = probe[len(scope.directory) + 1 :] if scope.directory else probe
        if scope.spec.match_file(inner):
            return True
    return False
