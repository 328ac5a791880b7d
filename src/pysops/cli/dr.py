"""``pysops dr``: disaster recovery with an offline age key kept on paper."""

from __future__ import annotations

import argparse
import datetime as _dt
import sys
from pathlib import Path
from typing import Any

from ..errors import SopsError, UsageError

OK = 0
FAILED = 1
BAD_USAGE = 2

EPILOG = """\
commands:
  init      new recovery key: envelope, .sops.yaml rules and every file get it
  verify    list SOPS files that lack the recovery recipient
  drill     decrypt every file with the recovery key alone (writes nothing)
  rotate    after an envelope was opened: new key, new data keys everywhere
  restore   with the recovery key alone, re-key every file to .sops.yaml's anchors

examples:
  pysops dr init --envelope dr-envelope.pdf      then print it, seal it, delete the file
  pysops dr verify
  pysops dr drill --identity -                   type the key from the paper
  pysops dr restore --identity dr-key.txt
  pysops dr rotate --identity dr-key.txt --envelope new-envelope.pdf
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pysops dr",
        description="disaster recovery: an offline age key in a sealed envelope",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.add_argument(
            "root",
            nargs="?",
            default=".",
            metavar="DIR",
            help="repository to work on (default: .)",
        )
        command.add_argument(
            "--no-gitignore",
            action="store_true",
            help="also look at files .gitignore excludes",
        )
        return command

    def key_output(command: argparse.ArgumentParser) -> None:
        group = command.add_argument_group(
            "where the new private key goes (nowhere else)"
        )
        group.add_argument(
            "--envelope",
            metavar="FILE",
            help="printable envelope: FILE.pdf, FILE.html, or - for stdout",
        )
        group.add_argument(
            "--format",
            choices=("pdf", "html"),
            help="envelope format (default: from the file name; pdf for -)",
        )
        group.add_argument("--out", metavar="FILE", help="also write an age key file")
        command.add_argument(
            "--partial",
            action="store_true",
            help="write the files that could be re-keyed even if others failed",
        )

    def identity(command: argparse.ArgumentParser, help_text: str) -> None:
        command.add_argument("--identity", metavar="FILE", help=help_text)

    key_output(
        add("init", "generate the recovery key and give it to every rule and file")
    )
    verify = add("verify", "list SOPS files that lack the recovery recipient")
    verify.add_argument(
        "--recipient",
        action="append",
        default=[],
        metavar="AGE1...",
        help="recovery recipient (default: from .sops-check.yaml)",
    )
    identity(
        add("drill", "decrypt every file with the recovery key alone; writes nothing"),
        "recovery key file, or - for stdin (default: ask on the terminal)",
    )
    rotate = add("rotate", "replace the recovery key after its envelope was opened")
    identity(rotate, "the old recovery key, to open files no other key opens")
    rotate.add_argument(
        "--old-recipient",
        metavar="AGE1...",
        help="recipient to replace (default: from --identity or .sops-check.yaml)",
    )
    key_output(rotate)
    restore = add("restore", "re-key every file to the anchors now in .sops.yaml")
    identity(
        restore, "recovery key file, or - for stdin (default: ask on the terminal)"
    )
    restore.add_argument(
        "--partial",
        action="store_true",
        help="write the files that could be re-keyed even if others failed",
    )
    return parser


def run(argv: list[str]) -> int:
    """Parse ``argv`` and run one ``dr`` command; returns the exit code."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:
        return OK if exit_.code in (0, None) else BAD_USAGE
    root = Path(args.root)
    if not root.is_dir():
        raise UsageError(f"{root}: not a directory")
    command = {
        "init": _init,
        "verify": _verify,
        "drill": _drill,
        "rotate": _rotate,
        "restore": _restore,
    }[args.command]
    from ..dr.staging import discard_all
    from .common import terminations_raise

    # Interrupted while files are being prepared: the staged copies are removed
    # and no file changes (the renames themselves hold signals until done).
    try:
        with terminations_raise("terminated; no file was changed"):
            return int(command(args, root))
    except BaseException:
        discard_all()
        raise


# --- shared output --------------------------------------------------------------


def _say(text: str) -> None:
    sys.stderr.write(f"pysops dr: {text}\n")


class _ProgressBar:
    """A one-line bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self) -> None:
        self.active = sys.stderr.isatty()

    def __call__(self, done: int, total: int, name: str) -> None:
        if not self.active:
            return
        width = 30
        filled = width * done // max(total, 1)
        label = name if len(name) <= 40 else "..." + name[-37:]
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label:<40}"
        )
        sys.stderr.flush()

    def close(self) -> None:
        if self.active:
            sys.stderr.write("\r" + " " * 80 + "\r")
            sys.stderr.flush()


def _results(results: Any, verb: str) -> None:
    for result in results:
        if result.ok:
            sys.stdout.write(
                f"ok      {result.display}{' (' + result.reason + ')' if result.reason else ''}\n"
            )
        else:
            sys.stdout.write(f"FAILED  {result.display}: {result.reason}\n")
    failed = sum(1 for r in results if not r.ok)
    sys.stdout.write(
        f"{len(results) - failed} of {len(results)} file(s) {verb}, {failed} failed\n"
    )


def _read_identities(args: argparse.Namespace) -> tuple[list[Any], list[str]]:
    from ..dr.keygen import parse_key_text

    source = args.identity
    if source is None and sys.stdin.isatty():
        import getpass

        text = getpass.getpass("Type the recovery key (spaces allowed), then Enter: ")
        source = "the typed key"
    elif source in (None, "-"):
        text = sys.stdin.read()
        source = "standard input"
    else:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise SopsError(
                f"{source}: cannot read the key file: {getattr(err, 'strerror', None) or err}"
            ) from None
    return parse_key_text(text, source)


# --- commands -------------------------------------------------------------------


def _verify(args: argparse.Namespace, root: Path) -> int:
    from ..dr.operations import recorded_recipients, verify

    recipients = args.recipient or recorded_recipients(root)
    if not recipients:
        raise UsageError(
            "no recovery recipient known: pass --recipient or run `pysops dr init`",
            exit_code=BAD_USAGE,
        )
    report: Any = verify(root, recipients, use_gitignore=not args.no_gitignore)
    for path, findings in report.by_file().items():
        for finding in findings:
            sys.stdout.write(f"{path}: {finding.message}\n")
    lacking = len(report.by_file())
    sys.stdout.write(
        f"{len(report.sops_files) - lacking} of {len(report.sops_files)} SOPS file(s) "
        f"carry the recovery recipient\n"
    )
    return FAILED if report.failed else OK


def _require_recovery_key(root: Path, recipients: list[str]) -> None:
    """Refuse a key that is not the recovery key recorded for this repository.

    Any key that opens the files would otherwise pass a drill or drive a
    restore, and prove nothing about the paper key in the envelope.
    """
    from ..dr.operations import recorded_recipients

    recorded = recorded_recipients(root)
    if not recorded:
        raise UsageError(
            "no recovery recipient is recorded in .sops-check.yaml, so this key "
            "cannot be told apart from a day-to-day key; run `pysops dr init` first",
            exit_code=BAD_USAGE,
        )
    if not set(recipients) & set(recorded):
        raise SopsError(
            "the given key is not the recovery key: its recipient "
            f"{', '.join(recipients) or '(none)'} is not the recorded "
            f"{', '.join(recorded)}"
        )


def _drill(args: argparse.Namespace, root: Path) -> int:
    from ..dr.recover import drill

    identities, recipients = _read_identities(args)
    _require_recovery_key(root, recipients)
    bar = _ProgressBar()
    try:
        report = drill(
            root, identities, use_gitignore=not args.no_gitignore, progress=bar
        )
    finally:
        bar.close()
    _results(report.results, "decrypted with the recovery key alone")
    if not report.results:
        _say("no SOPS file found: nothing was proven")
    return OK if report.passed else FAILED


def _check_destinations(args: argparse.Namespace, root: Path) -> str:
    if not args.envelope and not args.out:
        raise UsageError(
            "say where the new private key goes: --envelope FILE.pdf|FILE.html|- "
            "and/or --out FILE",
            exit_code=BAD_USAGE,
        )
    kind = args.format
    if args.envelope and not kind:
        suffix = Path(args.envelope).suffix.lower()
        kind = {".pdf": "pdf", ".html": "html", ".htm": "html"}.get(
            suffix, "pdf" if args.envelope == "-" else ""
        )
        if not kind:
            raise UsageError(
                f"{args.envelope}: name the envelope .pdf or .html, or pass --format",
                exit_code=BAD_USAGE,
            )
    for path in (args.envelope, args.out):
        if path and path != "-" and Path(path).exists():
            raise UsageError(
                f"{path} exists; an old key would be overwritten", exit_code=BAD_USAGE
            )
        if path and path != "-" and _inside(Path(path), root):
            raise UsageError(
                f"{path} is inside the repository, where a commit could pick up the "
                "private key; write it outside (e.g. ~/dr-envelope.pdf)",
                exit_code=BAD_USAGE,
            )
    if args.envelope == "-" and kind == "pdf" and sys.stdout.isatty():
        raise UsageError(
            "a PDF envelope on a terminal: redirect it (| lpr) or use --format html",
            exit_code=BAD_USAGE,
        )
    return kind or "pdf"


def _inside(path: Path, root: Path) -> bool:
    return path.resolve().is_relative_to(root.resolve())


def _hand_over_key(args: argparse.Namespace, kind: str, key: Any, root: Path) -> None:
    """Write the private key where the user asked, and nowhere else."""
    from ..dr import envelope as env
    from ..dr.repo import repository_name
    from ..dr.staging import write_private

    created = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if args.envelope:
        page = env.render(env.Envelope(key, repository_name(root), created), kind)
        if args.envelope == "-":
            sys.stdout.buffer.write(page)
            sys.stdout.buffer.flush()
            _say(
                "envelope written to standard output: print it and seal it; keep no copy"
            )
        else:
            write_private(Path(args.envelope), page)
            _say(
                f"envelope written to {args.envelope}: print it, seal it, then delete the file "
                f"(shred -u {args.envelope})"
            )
    if args.out:
        write_private(Path(args.out), key.key_file_text(created).encode("ascii"))
        _say(
            f"key file written to {args.out}: keep it offline, "
            "or delete it once the envelope is printed"
        )


def _apply(
    plan: Any, args: argparse.Namespace, verb: str, before_commit: Any = None
) -> int:
    # with the envelope on stdout, the report must not mix into it
    out = sys.stderr if getattr(args, "envelope", None) == "-" else sys.stdout
    try:
        for result in plan.results:
            if not result.ok:
                out.write(f"FAILED  {result.display}: {result.reason}\n")
        if plan.failed and not args.partial:
            _say(
                f"{len(plan.failed)} file(s) could not be {verb}; nothing was changed "
                "(fix them, or pass --partial)"
            )
            return FAILED
        if before_commit is not None:
            before_commit()
        plan.commit()
    finally:
        plan.discard()
    for note in plan.notes:
        _say(note)
    for path in plan.config_files:
        _say(f"{path} updated")
    _say(
        f"{plan.changed} file(s) {verb}, {len(plan.results) - plan.changed - len(plan.failed)} "
        f"already up to date, {len(plan.failed)} failed"
    )
    return FAILED if plan.failed else OK


def _init(args: argparse.Namespace, root: Path) -> int:
    from ..dr.keygen import generate
    from ..dr.operations import plan_init

    kind = _check_destinations(args, root)
    key = generate()
    bar = _ProgressBar()
    try:
        plan = plan_init(
            root, key.recipient, use_gitignore=not args.no_gitignore, progress=bar
        )
    finally:
        bar.close()
    _say(f"recovery recipient {key.recipient}")
    return _apply(plan, args, "re-keyed", lambda: _hand_over_key(args, kind, key, root))


def _rotate(args: argparse.Namespace, root: Path) -> int:
    from ..dr.keygen import generate
    from ..dr.operations import plan_rotate, recorded_recipients

    kind = _check_destinations(args, root)
    identities: list[Any] = []
    old = args.old_recipient
    if args.identity:
        identities, recipients = _read_identities(args)
        old = old or (recipients[0] if len(recipients) == 1 else None)
    if not old:
        recorded = recorded_recipients(root)
        if len(recorded) != 1:
            raise UsageError(
                "which recovery recipient to replace? pass --old-recipient or --identity",
                exit_code=BAD_USAGE,
            )
        old = recorded[0]
    key = generate()
    bar = _ProgressBar()
    try:
        plan = plan_rotate(
            root,
            old,
            key.recipient,
            identities=identities,
            use_gitignore=not args.no_gitignore,
            progress=bar,
        )
    finally:
        bar.close()
    _say(f"replacing recovery recipient {old} by {key.recipient}")
    return _apply(plan, args, "re-keyed", lambda: _hand_over_key(args, kind, key, root))


def _restore(args: argparse.Namespace, root: Path) -> int:
    from ..dr.operations import plan_restore

    identities, recipients = _read_identities(args)
    _require_recovery_key(root, recipients)
    bar = _ProgressBar()
    try:
        plan = plan_restore(
            root,
            identities,
            recipients,
            use_gitignore=not args.no_gitignore,
            progress=bar,
        )
    finally:
        bar.close()
    args.envelope = None
    code = _apply(plan, args, "restored")
    if code == OK:
        _say("the recovery key has been used: run `pysops dr rotate` to replace it")
    return code
