"""Entry point: split global flags from the subcommand and run it."""

from __future__ import annotations

import importlib
import os
import sys

from .. import exitcodes
from ..errors import SopsError
from . import options
from .flags import parse, render_help

VERSION = "0.1.0"

#: subcommand -> module in pysops.cli with a ``run(args, global_args) -> int``
SUBCOMMANDS = {
    "encrypt": "encrypt",
    "decrypt": "decrypt",
    "edit": "edit",
    "rotate": "rotate",
    "set": "set_value",
    "unset": "set_value",
    "updatekeys": "updatekeys",
    "groups": "groups",
    "exec-env": "exec",
    "exec-file": "exec",
    "filestatus": "filestatus",
    "keyservice": "keyservice",
    "publish": "publish",
    "check": "check",
    "dr": "dr",
}

SUMMARY = """\
pysops keeps secrets in git: it encrypts the values of YAML, JSON, dotenv and
INI files (and whole binary files) with AES-256-GCM, and wraps the data key for
age, PGP, AWS KMS, GCP KMS, Azure Key Vault and Vault transit keys. Files are
compatible with Go sops 3.x.

commands:
  encrypt FILE        encrypt a file (to stdout, or -i in place)
  decrypt FILE        decrypt a file (to stdout, or -i in place)
  edit FILE           decrypt into an editor, encrypt again on save (default)
  rotate FILE         new data key; --add-*/--rm-* change the master keys
  set FILE PATH VAL   set one value, e.g. set f.yaml '["db"]["password"]' '"s3cret"'
  unset FILE PATH     remove one value
  updatekeys FILE...  bring master keys in line with .sops.yaml
  groups add|delete   manage key groups
  exec-env FILE CMD   run CMD with the secrets as environment variables
  exec-file FILE CMD  run CMD with the decrypted file at {}
  filestatus FILE     print whether FILE is encrypted
  keyservice          serve the key service protocol (gRPC)
  publish FILE        re-encrypt for a destination rule and upload
  check [DIR]         check the trust anchors of every SOPS file in a repository
  dr ...              disaster recovery: offline age key, drill, rotation"""

EXAMPLES = [
    "pysops encrypt --age age1... secrets.yaml > secrets.enc.yaml",
    "pysops decrypt secrets.enc.yaml",
    'pysops -d --extract \'["db"]["password"]\' secrets.enc.yaml',
    "SOPS_AGE_KEY_FILE=key.txt pysops edit secrets.enc.yaml",
    "pysops exec-env secrets.enc.env 'printenv DB_PASSWORD'",
]


def _setup_logging(verbose: bool) -> None:
    level = os.environ.get("PYSOPS_LOG_LEVEL", "DEBUG" if verbose else "")
    if not level:
        return
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("pysops: %(levelname)s %(name)s: %(message)s")
    )
    logger = logging.getLogger("pysops")
    logger.addHandler(handler)
    logger.setLevel(level.upper())


def report(err: SopsError) -> None:
    """Print an error as one line (plus an optional hint line) on stderr."""
    sys.stderr.write(f"pysops: {err.message}\n")
    for key, reason in getattr(err, "failures", ()):
        sys.stderr.write(f"  tried {key}: {reason}\n")
    if err.hint:
        sys.stderr.write(f"  hint: {err.hint}\n")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return _main(argv)
    except SopsError as err:
        report(err)
        return err.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("pysops: interrupted\n")
        return exitcodes.KEYBOARD_INTERRUPT
    except BrokenPipeError:
        return exitcodes.SUCCESS
    except Exception as err:  # noqa: BLE001 - the last line of defence against tracebacks
        if os.environ.get("PYSOPS_TRACEBACK"):
            raise
        sys.stderr.write(
            f"pysops: internal error ({type(err).__name__}); "
            "set PYSOPS_TRACEBACK=1 to see where it happened\n"
        )
        return exitcodes.GENERIC


def _main(argv: list[str]) -> int:
    global_args = parse(argv, options.ALL)
    _setup_logging(global_args.bool("verbose"))
    if global_args.bool("version"):
        sys.stdout.write(f"pysops {VERSION} (sops 3.11.0 file format)\n")
        return 0
    rest = global_args.positionals
    if rest and rest[0] in SUBCOMMANDS and not global_args.bool("help"):
        name = rest[0]
        if name == "check" or name == "dr":
            module = importlib.import_module(f".{SUBCOMMANDS[name]}", __package__)
            return int(module.run(rest[1:]))
        args = parse(rest[1:], options.ALL)
        # Flags given before the subcommand still count, unless repeated after it.
        for key, value in global_args.values.items():
            args.values.setdefault(key, value)
        if args.bool("help"):
            sys.stdout.write(
                render_help(f"pysops {name} [flags] ARGS", SUMMARY, options.ALL)
            )
            return 0
        module = importlib.import_module(f".{SUBCOMMANDS[name]}", __package__)
        return int(module.run(name, args))
    if global_args.bool("help"):
        sys.stdout.write(
            render_help("pysops [flags] [command] FILE", SUMMARY, options.ALL, EXAMPLES)
        )
        return 0
    if not rest:
        raise SopsError(
            "no file specified",
            exit_code=exitcodes.NO_FILE_SPECIFIED,
            hint="run 'pysops --help' for usage",
        )
    from .classic import run_classic

    return run_classic(global_args)
