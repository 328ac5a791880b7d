"""AWS KMS master keys, through boto3 (imported only when a key is used)."""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import logging
import re
import socket
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .. import exitcodes
from ..errors import MetadataError, UsageError
from ._entries import (
    format_created_at,
    is_older_than_rotation_age,
    parse_created_at,
    text_field,
    utc_now,
)
from .interface import MasterKey, MasterKeyFailure

logger = logging.getLogger(__name__)

_ARN = re.compile(r"^arn:aws[\w-]*:kms:(.+):[0-9]+:(key|alias)/.+$", re.ASCII)
_ROLE_MARKER = "+arn:aws:iam::"
# Go's character class: "@-_" is a range, so [ \ ] ^ and upper case pass too.
_SESSION_NAME_JUNK = re.compile(r"[^a-zA-Z0-9=,.@-_]+")
_SESSION_NAME_LIMIT = 64


def sts_session_name(hostname: str | None = None) -> str:
    """The AssumeRole session name Go sops uses: ``sops@<hostname>``, sanitised."""
    name = "sops@" + _SESSION_NAME_JUNK.sub("", hostname or socket.gethostname())
    return name[:_SESSION_NAME_LIMIT]


def parse_encryption_context(text: str) -> dict[str, str]:
    """Parse ``--encryption-context`` (``k1:v1,k2:v2``); ``""`` gives ``{}``.

    Raises UsageError (exit code 6, as Go sops) when a pair is not exactly
    one ``key:value``.
    """
    if not text:
        return {}
    context: dict[str, str] = {}
    for pair in text.split(","):
        parts = pair.split(":")
        if len(parts) != 2:
            raise UsageError(
                "Invalid KMS encryption context format",
                hint="use --encryption-context key1:value1,key2:value2",
                exit_code=exitcodes.INVALID_KMS_ENCRYPTION_CONTEXT,
            )
        context[parts[0]] = parts[1]
    return context


@dataclass(eq=False, repr=False)
class KmsKey(MasterKey):
    """An AWS KMS key, optionally used through an assumed IAM role.

    Credentials, region settings and the endpoint come from boto3's usual
    chain (environment, ``~/.aws``, ``aws_profile``); the region is the one in
    the ARN.  ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_KMS`` redirect the
    client, as they do for Go sops.
    """

    type_id: ClassVar[str] = "kms"

    arn: str
    role: str = ""
    context: dict[str, str] = field(default_factory=dict)
    aws_profile: str = ""
    created_at: _dt.datetime = field(default_factory=utc_now)
    enc: str = ""

    @classmethod
    def from_arn(
        cls, text: str, context: dict[str, str] | None = None, aws_profile: str = ""
    ) -> KmsKey:
        """A key from ``ARN`` or ``ARN+arn:aws:iam::ACCOUNT:role/NAME``."""
        text = text.replace(" ", "")
        role = ""
        marker = text.find(_ROLE_MARKER)
        if marker > 0:
            text, role = text[:marker], text[marker + 1 :]
        return cls(text, role, dict(context or {}), aws_profile)

    @classmethod
    def from_string(cls, text: str, **options: Any) -> KmsKey:
        """A key from ``--kms`` text; ``options`` may give ``role``, ``context``
        and ``aws_profile`` (a role inside ``text`` wins)."""
        key = cls.from_arn(
            text, options.get("context"), options.get("aws_profile") or ""
        )
        if not key.role:
            key.role = options.get("role") or ""
        return key

    @property
    def identifier(self) -> str:
        return f"{self.arn}+{self.role}" if self.role else self.arn

    def encrypt(self, data_key: bytes) -> None:
        client = self._client()
        answer = self._call(
            client.encrypt,
            "encrypt",
            KeyId=self.arn,
            Plaintext=data_key,
            EncryptionContext=self.context,
        )
        self.enc = base64.b64encode(answer["CiphertextBlob"]).decode("ascii")
        logger.debug("wrapped the data key with AWS KMS key %s", self.identifier)

    def decrypt(self) -> bytes:
        try:
            blob = base64.b64decode(self.enc, validate=True)
        except binascii.Error as err:
            raise MasterKeyFailure(
                f"AWS KMS key {self.identifier}: the wrapped data key is not base64"
            ) from err
        client = self._client()
        answer = self._call(
            client.decrypt,
            "decrypt",
            KeyId=self.arn,
            CiphertextBlob=blob,
            EncryptionContext=self.context,
        )
        logger.debug("unwrapped the data key with AWS KMS key %s", self.identifier)
        data_key: bytes = answer["Plaintext"]
        return data_key

    def _client(self) -> Any:
        """A KMS client for the ARN's region, as the assumed role if one is set."""
        match = _ARN.match(self.arn)
        if match is None:
            raise MasterKeyFailure(
                f"AWS KMS key {self.identifier}: not a valid KMS ARN"
            )
        region = match.group(1)
        session = self._guard(lambda: _session(self.aws_profile), "open an AWS session")
        if not self.role:
            return self._guard(
                lambda: session.client("kms", region_name=region), "create a client"
            )

        sts = self._guard(
            lambda: session.client("sts", region_name=region), "create a client"
        )
        answer = self._call(
            sts.assume_role,
            f"assume role {self.role}",
            RoleArn=self.role,
            RoleSessionName=sts_session_name(),
        )
        credentials = answer["Credentials"]
        return self._guard(
            lambda: session.client(
                "kms",
                region_name=region,
                aws_access_key_id=credentials["AccessKeyId"],
                aws_secret_access_key=credentials["SecretAccessKey"],
                aws_session_token=credentials["SessionToken"],
            ),
            "create a client",
        )

    def _call(self, operation: Any, action: str, **params: Any) -> Any:
        return self._guard(lambda: operation(**params), action)

    def _guard(self, call: Any, action: str) -> Any:
        """Run ``call``; turn any boto error into a one-line MasterKeyFailure."""
        missing = (
            f"AWS KMS key {self.identifier}: boto3 is not installed "
            "(pip install 'pysops[aws]')"
        )
        try:
            from botocore import exceptions as aws
        except ImportError as err:
            raise MasterKeyFailure(missing) from err

        try:
            return call()
        except ImportError as err:
            raise MasterKeyFailure(missing) from err
        except aws.NoCredentialsError as err:
            cause = "no AWS credentials found (environment, ~/.aws or aws_profile)"
            error: Exception = err
        except aws.ProfileNotFound as err:
            cause, error = f"AWS profile {self.aws_profile!r} not found", err
        except aws.EndpointConnectionError as err:
            cause, error = f"cannot reach {err.kwargs.get('endpoint_url')}", err
        except aws.ClientError as err:
            info = err.response.get("Error", {})
            cause = ": ".join(
                part for part in (info.get("Code"), info.get("Message")) if part
            ) or str(err)
            error = err
        except aws.BotoCoreError as err:
            cause, error = str(err), err
        raise MasterKeyFailure(
            f"AWS KMS key {self.identifier}: could not {action}: "
            + " ".join(cause.split())
        ) from error

    def needs_rotation(self) -> bool:
        return is_older_than_rotation_age(self.created_at)

    def to_metadata(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"arn": self.arn}
        if self.role:
            entry["role"] = self.role
        if self.context:
            # Go writes the context map with its keys sorted.
            entry["context"] = dict(sorted(self.context.items()))
        entry["created_at"] = format_created_at(self.created_at)
        entry["enc"] = self.enc
        entry["aws_profile"] = self.aws_profile
        return entry

    @classmethod
    def from_metadata(cls, entry: dict[str, Any]) -> KmsKey:
        raw_context = entry.get("context") or {}
        if not isinstance(raw_context, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in raw_context.items()
        ):
            raise MetadataError("kms key entry: context is not a map of strings")
        return cls(
            arn=text_field(entry, "arn", cls.type_id),
            role=text_field(entry, "role", cls.type_id),
            context=dict(raw_context),
            aws_profile=text_field(entry, "aws_profile", cls.type_id),
            created_at=parse_created_at(entry, cls.type_id),
            enc=text_field(entry, "enc", cls.type_id),
        )


def _session(aws_profile: str) -> Any:
    """A fresh boto3 session (credentials are looked up anew each time).

    Only botocore's model loader is shared between sessions: loading the
    service descriptions costs more than the KMS call itself.
    """
    import boto3
    import botocore.session

    global _shared_loader
    core = botocore.session.Session(profile=aws_profile or None)
    if _shared_loader is None:
        _shared_loader = core.get_component("data_loader")
    else:
        core.register_component("data_loader", _shared_loader)
    if aws_profile and aws_profile not in core.available_profiles:
        from botocore.exceptions import ProfileNotFound

        raise ProfileNotFound(profile=aws_profile)
    return boto3.session.Session(botocore_session=core)


_shared_loader: Any = None


def parse_arns(
    text: str, context: dict[str, str] | None = None, aws_profile: str = ""
) -> list[KmsKey]:
    """Keys for a comma-separated ARN list (``--kms``, ``SOPS_KMS_ARN``)."""
    if not text:
        return []
    return [KmsKey.from_arn(part, context, aws_profile) for part in text.split(",")]
