"""The key service's protobuf messages, built at import from a descriptor.

The schema is that of Go sops' ``keyservice/keyservice.proto`` (proto3, no
package) plus the HuaweiCloud key of 3.12+.  Building the descriptor here with
the protobuf runtime, instead of committing ``protoc`` output, keeps us free of
the generated code's pin on one runtime version.  Field names and numbers are
the wire contract: never renumber them.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import (
    descriptor_pb2,
    descriptor_pool,
    message_factory,
)

_F = descriptor_pb2.FieldDescriptorProto

#: message name -> [(field name, number, type, message type name or "")]
_SCHEMA: dict[str, list[tuple[str, int, int, str]]] = {
    "PgpKey": [("fingerprint", 1, _F.TYPE_STRING, "")],
    "KmsKey": [
        ("arn", 1, _F.TYPE_STRING, ""),
        ("role", 2, _F.TYPE_STRING, ""),
        ("context", 3, _F.TYPE_MESSAGE, ".KmsKey.ContextEntry"),
        ("aws_profile", 4, _F.TYPE_STRING, ""),
    ],
    "GcpKmsKey": [("resource_id", 1, _F.TYPE_STRING, "")],
    "VaultKey": [
        ("vault_address", 1, _F.TYPE_STRING, ""),
        ("engine_path", 2, _F.TYPE_STRING, ""),
        ("key_name", 3, _F.TYPE_STRING, ""),
    ],
    "AzureKeyVaultKey": [
        ("vault_url", 1, _F.TYPE_STRING, ""),
        ("name", 2, _F.TYPE_STRING, ""),
        ("version", 3, _F.TYPE_STRING, ""),
    ],
    "AgeKey": [("recipient", 1, _F.TYPE_STRING, "")],
    "HckmsKey": [("key_id", 1, _F.TYPE_STRING, "")],
    "Key": [
        ("kms_key", 1, _F.TYPE_MESSAGE, ".KmsKey"),
        ("pgp_key", 2, _F.TYPE_MESSAGE, ".PgpKey"),
        ("gcp_kms_key", 3, _F.TYPE_MESSAGE, ".GcpKmsKey"),
        ("azure_keyvault_key", 4, _F.TYPE_MESSAGE, ".AzureKeyVaultKey"),
        ("vault_key", 5, _F.TYPE_MESSAGE, ".VaultKey"),
        ("age_key", 6, _F.TYPE_MESSAGE, ".AgeKey"),
        ("hckms_key", 7, _F.TYPE_MESSAGE, ".HckmsKey"),
    ],
    "EncryptRequest": [
        ("key", 1, _F.TYPE_MESSAGE, ".Key"),
        ("plaintext", 2, _F.TYPE_BYTES, ""),
    ],
    "EncryptResponse": [("ciphertext", 1, _F.TYPE_BYTES, "")],
    "DecryptRequest": [
        ("key", 1, _F.TYPE_MESSAGE, ".Key"),
        ("ciphertext", 2, _F.TYPE_BYTES, ""),
    ],
    "DecryptResponse": [("plaintext", 1, _F.TYPE_BYTES, "")],
}


def _add_field(message: Any, name: str, number: int, kind: int, type_name: str) -> Any:
    field = message.field.add(name=name, number=number, type=kind)
    field.label = _F.LABEL_REPEATED if name == "context" else _F.LABEL_OPTIONAL
    if type_name:
        field.type_name = type_name
    return field


def _file_descriptor() -> descriptor_pb2.FileDescriptorProto:
    proto = descriptor_pb2.FileDescriptorProto(
        name="pysops/keyservice.proto", syntax="proto3"
    )
    for name, fields in _SCHEMA.items():
        message = proto.message_type.add(name=name)
        if name == "Key":
            message.oneof_decl.add(name="key_type")
        for field_name, number, kind, type_name in fields:
            field = _add_field(message, field_name, number, kind, type_name)
            if name == "Key":
                field.oneof_index = 0
        if name == "KmsKey":
            entry = message.nested_type.add(name="ContextEntry")
            entry.options.map_entry = True
            entry.field.add(
                name="key", number=1, type=_F.TYPE_STRING, label=_F.LABEL_OPTIONAL
            )
            entry.field.add(
                name="value", number=2, type=_F.TYPE_STRING, label=_F.LABEL_OPTIONAL
            )
    service = proto.service.add(name="KeyService")
    for method in ("Encrypt", "Decrypt"):
        service.method.add(
            name=method,
            input_type=f".{method}Request",
            output_type=f".{method}Response",
        )
    return proto


# A private pool: the schema has no package, so its short names ("Key") must
# not meet other files in the process-wide default pool.
_POOL = descriptor_pool.DescriptorPool()
_POOL.Add(_file_descriptor())


def _message_class(name: str) -> Any:
    return message_factory.GetMessageClass(_POOL.FindMessageTypeByName(name))


Key = _message_class("Key")
EncryptRequest = _message_class("EncryptRequest")
EncryptResponse = _message_class("EncryptResponse")
DecryptRequest = _message_class("DecryptRequest")
DecryptResponse = _message_class("DecryptResponse")

#: gRPC method paths (the service has no package, so no prefix)
ENCRYPT_METHOD = "/KeyService/Encrypt"
DECRYPT_METHOD = "/KeyService/Decrypt"
