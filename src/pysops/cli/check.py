"""``pysops check``: compliance of every SOPS file under a directory, no keys needed."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

CLEAN = 0
FINDINGS = 1
BAD_CONFIG = 2

DEFAULT_CONFIG = ".sops-check.yaml"
CHECK_NAMES = (
    "rules",
    "metadata",
    "plaintext",
    "keysDrift",
    "recoveryRecipient",
    "staleDataKey",
)

EPILOG = """\
exit codes:
  0  no error-level findings (warnings may have been printed)
  1  at least one error-level finding
  2  bad configuration, ignore file, .sops.yaml or arguments

examples:
  pysops check                              check . with ./.sops-check.yaml
  pysops check --format html -o report.html deploy/
  pysops check --sarif-report-path check.sarif
  pysops check --disable rules --enable plaintext   only "is it encrypted?"
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pysops check",
        description="check the master keys (trust anchors) of every SOPS file "
        "against rules; never decrypts",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths",
        nargs="*",
        default=["."],
        help="directories to walk or files to check (default: .)",
    )
    config = parser.add_argument_group("configuration")
    config.add_argument(
        "-c",
        "--config",
        default=os.environ.get("SOPS_CHECK_CONFIG"),
        help=f"rules file (default: {DEFAULT_CONFIG} if present; "
        "env SOPS_CHECK_CONFIG)",
    )
    config.add_argument(
        "-i",
        "--ignore-file",
        action="append",
        default=None,
        help="gitignore-syntax file of paths to skip, repeatable "
        "(env SOPS_CHECK_IGNORE_FILE, one path per line)",
    )
    config.add_argument(
        "--no-gitignore", action="store_true", help="do not honour .gitignore files"
    )
    config.add_argument(
        "--enable",
        action="append",
        default=[],
        choices=CHECK_NAMES,
        metavar="CHECK",
        help="switch a check on: " + ", ".join(CHECK_NAMES),
    )
    config.add_argument(
        "--disable",
        action="append",
        default=[],
        choices=CHECK_NAMES,
        metavar="CHECK",
        help="switch a check off",
    )
    output = parser.add_argument_group("output")
    output.add_argument(
        "--format",
        choices=("text", "json", "sarif", "html"),
        default="text",
        help="report format (default: text)",
    )
    output.add_argument("-o", "--output", help="write the report to a file, not stdout")
    output.add_argument(
        "--sarif-report-path",
        default=os.environ.get("SOPS_CHECK_SARIF_REPORT_PATH"),
        help="also write a SARIF report there (env SOPS_CHECK_SARIF_REPORT_PATH)",
    )
    output.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour text output (default: auto, only on a terminal)",
    )
    output.add_argument(
        "-v", "--verbose", action="count", default=0, help="log more (repeat for debug)"
    )
    return parser


def run(argv: list[str]) -> int:
    """Parse ``argv``, check, print the report; returns the exit code."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:
        return CLEAN if exit_.code in (0, None) else BAD_CONFIG
    _configure_logging(args.verbose)

    from ..check import CheckConfigError, default_config, load_config, run_check
    from ..check.discovery import load_ignore_file
    from ..errors import SopsError

    try:
        config = _load(args, load_config, default_config)
        for name in args.enable:
            _switch(config, name, True)
        for name in args.disable:
            _switch(config, name, False)
        ignore_files = args.ignore_file
        if ignore_files is None:
            env = os.environ.get("SOPS_CHECK_IGNORE_FILE", "")
            ignore_files = [line for line in env.splitlines() if line.strip()]
        ignore = [load_ignore_file(Path(p)) for p in ignore_files]
        report = run_check(
            args.paths,
            config,
            ignore=ignore,
            use_gitignore=not args.no_gitignore,
            use_rules="rules" not in args.disable,
        )
    except CheckConfigError as err:
        print(f"pysops check: {err.message}", file=sys.stderr)
        return BAD_CONFIG
    except SopsError as err:
        print(f"pysops check: {err.message}", file=sys.stderr)
        return BAD_CONFIG

    try:
        _emit(args, report)
    except OSError as err:
        print(f"pysops check: cannot write report: {err.strerror}", file=sys.stderr)
        return BAD_CONFIG
    return FINDINGS if report.failed else CLEAN


def _load(args: argparse.Namespace, load_config, default_config):  # type: ignore[no-untyped-def]
    from ..check import CheckConfigError

    if args.config:
        if "://" in args.config:
            raise CheckConfigError(
                f"{args.config}: remote configs are not fetched; download it and "
                "pass the local file"
            )
        return load_config(Path(args.config))
    if Path(DEFAULT_CONFIG).exists():
        return load_config(Path(DEFAULT_CONFIG))
    return default_config(Path.cwd())


def _switch(config, name: str, on: bool) -> None:  # type: ignore[no-untyped-def]
    from ..check import CheckConfigError

    if name == "rules":
        return
    check = config.checks[name]
    if on and name == "recoveryRecipient" and not check.options.get("recipients"):
        raise CheckConfigError("recoveryRecipient needs recipients in the config file")
    check.enabled = on


def _emit(args: argparse.Namespace, report) -> None:  # type: ignore[no-untyped-def]
    from ..check.html import render_html
    from ..check.sarif import render_sarif
    from ..check.text import render_json, render_text

    if args.sarif_report_path:
        Path(args.sarif_report_path).write_text(render_sarif(report), encoding="utf-8")
    if args.format == "json":
        body = render_json(report)
    elif args.format == "sarif":
        body = render_sarif(report)
    elif args.format == "html":
        body = render_html(report)
    else:
        stream_tty = args.output is None and sys.stdout.isatty()
        colour = args.color == "always" or (
            args.color == "auto" and stream_tty and "NO_COLOR" not in os.environ
        )
        body = render_text(report, colour=colour)
    if args.output:
        Path(args.output).write_text(body, encoding="utf-8")
    else:
        sys.stdout.write(body)


def _configure_logging(verbose: int) -> None:
    level = (
        logging.WARNING
        if verbose == 0
        else logging.INFO
        if verbose == 1
        else logging.DEBUG
    )
    logger = logging.getLogger("pysops")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("pysops check: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(level)
