"""The exception hierarchy; every error knows the exit code the CLI uses for it."""

from __future__ import annotations

from . import exitcodes


class SopsError(Exception):
    """Base of every pysops error.

    ``message`` is one line for logs and the terminal; ``hint`` an optional
    next step for a person.  Neither ever holds secret material.
    """

    exit_code = exitcodes.GENERIC

    def __init__(
        self, message: str, *, hint: str | None = None, exit_code: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class UsageError(SopsError):
    """The command line asks for something contradictory or incomplete."""

    exit_code = exitcodes.CONFLICTING_PARAMETERS


class StoreError(SopsError):
    """A file cannot be parsed or emitted in its format.

    ``line`` (1-based) is set where the position of the problem is known.
    """

    exit_code = exitcodes.COULD_NOT_READ_INPUT_FILE

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        hint: str | None = None,
        exit_code: int | None = None,
    ) -> None:
        super().__init__(message, hint=hint, exit_code=exit_code)
        self.line = line


class EmitError(StoreError):
    """A tree cannot be written in the requested format."""

    exit_code = exitcodes.ERROR_DUMPING_TREE


class MetadataNotFound(SopsError):
    """The file has no ``sops`` metadata: it is not encrypted."""

    def __init__(self, message: str = "sops metadata not found") -> None:
        super().__init__(message)


class MetadataError(SopsError):
    """The ``sops`` metadata is present but malformed."""


class AlreadyEncrypted(SopsError):
    """Encrypting a file that already has a top-level ``sops`` key."""

    exit_code = exitcodes.FILE_ALREADY_ENCRYPTED


class ConfigError(SopsError):
    """``.sops.yaml`` cannot be read or has invalid content."""

    exit_code = exitcodes.ERROR_READING_CONFIG


class NoMatchingRule(ConfigError):
    """No creation rule of ``.sops.yaml`` matches the file."""

    exit_code = exitcodes.GENERIC


class IntegrityError(SopsError):
    """A value or the MAC failed authentication."""

    exit_code = exitcodes.ERROR_DECRYPTING_TREE


class MacMismatch(IntegrityError):
    """The stored MAC does not match the values, or cannot be decrypted."""

    exit_code = exitcodes.MAC_MISMATCH


class MasterKeyError(SopsError):
    """A master key could not wrap or unwrap the data key."""

    exit_code = exitcodes.COULD_NOT_RETRIEVE_KEY


class DataKeyUnavailable(MasterKeyError):
    """No master key of the file could unwrap its data key.

    ``failures`` lists ``(key identifier, reason)`` for every key tried.
    """

    def __init__(
        self, message: str, failures: list[tuple[str, str]] | None = None
    ) -> None:
        super().__init__(message)
        self.failures = failures or []


class TreePathError(SopsError):
    """A ``["a"][0]`` path is malformed or does not exist in the tree."""

    exit_code = exitcodes.INVALID_TREE_PATH_FORMAT
