"""Every flag pysops accepts, named as Go sops names them."""

from __future__ import annotations

from .flags import Flag, Kind

B, V, L = Kind.BOOL, Kind.VALUE, Kind.LIST

MODE = [
    Flag(
        ("decrypt", "d"),
        B,
        "decrypt a file and print the result",
        group="modes (classic form)",
    ),
    Flag(
        ("encrypt", "e"),
        B,
        "encrypt a file and print the result",
        group="modes (classic form)",
    ),
    Flag(
        ("rotate", "r"),
        B,
        "generate a new data key and re-encrypt all values",
        group="modes (classic form)",
    ),
    Flag(
        ("set",),
        V,
        "set one value: '[\"path\"][0] JSON-VALUE'",
        "'PATH VALUE'",
        group="modes (classic form)",
    ),
]

KEYS = [
    Flag(
        ("age", "a"),
        V,
        "age recipients, comma separated",
        "RECIPIENTS",
        "master keys",
        "SOPS_AGE_RECIPIENTS",
    ),
    Flag(
        ("pgp", "p"),
        V,
        "PGP fingerprints, comma separated",
        "FPS",
        "master keys",
        "SOPS_PGP_FP",
    ),
    Flag(
        ("kms", "k"),
        V,
        "AWS KMS ARNs, comma separated (ARN+ROLE_ARN to assume a role)",
        "ARNS",
        "master keys",
        "SOPS_KMS_ARN",
    ),
    Flag(("aws-profile",), V, "AWS profile for the KMS keys", "NAME", "master keys"),
    Flag(
        ("encryption-context",),
        V,
        "KMS encryption context, key:value,key2:value2",
        "CONTEXT",
        "master keys",
    ),
    Flag(
        ("gcp-kms",),
        V,
        "GCP KMS resource ids, comma separated",
        "IDS",
        "master keys",
        "SOPS_GCP_KMS_IDS",
    ),
    Flag(
        ("azure-kv",),
        V,
        "Azure Key Vault key URLs, comma separated",
        "URLS",
        "master keys",
        "SOPS_AZURE_KEYVAULT_URLS",
    ),
    Flag(
        ("hc-vault-transit",),
        V,
        "Vault transit key URIs, comma separated",
        "URIS",
        "master keys",
        "SOPS_VAULT_URIS",
    ),
    Flag(
        ("hckms",),
        V,
        "HuaweiCloud KMS key ids (region:uuid), comma separated",
        "IDS",
        "master keys",
        "SOPS_HUAWEICLOUD_KMS_IDS",
    ),
    Flag(
        ("shamir-secret-sharing-threshold",),
        V,
        "key groups needed to decrypt (default: all)",
        "N",
        "master keys",
    ),
]

ADD_REMOVE = [
    Flag(
        (f"{verb}-{name}",),
        V,
        f"{'add' if verb == 'add' else 'remove'} {label}",
        "KEYS",
        "changing keys (rotate)",
    )
    for name, label in [
        ("age", "age recipients"),
        ("pgp", "PGP fingerprints"),
        ("kms", "AWS KMS ARNs"),
        ("gcp-kms", "GCP KMS resource ids"),
        ("azure-kv", "Azure Key Vault URLs"),
        ("hc-vault-transit", "Vault transit URIs"),
        ("hckms", "HuaweiCloud KMS key ids"),
    ]
    for verb in ("add", "rm")
]

RULES = [
    Flag(
        ("unencrypted-suffix",),
        V,
        "leave keys with this suffix in clear (default _unencrypted)",
        "SUFFIX",
        "what to encrypt",
    ),
    Flag(
        ("encrypted-suffix",),
        V,
        "encrypt only keys with this suffix",
        "SUFFIX",
        "what to encrypt",
    ),
    Flag(
        ("unencrypted-regex",),
        V,
        "leave keys matching this regex in clear",
        "REGEX",
        "what to encrypt",
    ),
    Flag(
        ("encrypted-regex",),
        V,
        "encrypt only keys matching this regex",
        "REGEX",
        "what to encrypt",
    ),
    Flag(
        ("unencrypted-comment-regex",),
        V,
        "leave values after comments matching this regex in clear",
        "REGEX",
        "what to encrypt",
    ),
    Flag(
        ("encrypted-comment-regex",),
        V,
        "encrypt only values after comments matching this regex",
        "REGEX",
        "what to encrypt",
    ),
    Flag(
        ("mac-only-encrypted",),
        B,
        "compute the MAC over encrypted values only",
        group="what to encrypt",
    ),
]

IO = [
    Flag(
        ("in-place", "i"),
        B,
        "write the result back to the file",
        group="input and output",
    ),
    Flag(("output",), V, "write the result to this file", "FILE", "input and output"),
    Flag(
        ("input-type",),
        V,
        "input format: yaml, json, dotenv, ini or binary",
        "TYPE",
        "input and output",
    ),
    Flag(
        ("output-type",),
        V,
        "output format: yaml, json, dotenv, ini or binary",
        "TYPE",
        "input and output",
    ),
    Flag(
        ("filename-override",),
        V,
        "treat the input as this file name (format and config rules)",
        "NAME",
        "input and output",
    ),
    Flag(
        ("extract",),
        V,
        'print only this part of the tree, e.g. \'["a"]["b"][0]\'',
        "PATH",
        "input and output",
    ),
    Flag(
        ("indent",), V, "indentation of YAML and JSON output", "N", "input and output"
    ),
    Flag(
        ("show-master-keys", "s"),
        B,
        "show the sops metadata while editing",
        group="input and output",
    ),
    Flag(
        ("reuse-from",),
        V,
        "encrypt: keep the data key, keys and unchanged ciphertext of this encrypted file",
        "OLD",
        "input and output",
    ),
]

DECRYPTION = [
    Flag(("ignore-mac",), B, "do not verify the MAC", group="decryption"),
    Flag(
        ("decryption-order",),
        V,
        "key types to try first, e.g. age,pgp",
        "TYPES",
        "decryption",
        "SOPS_DECRYPTION_ORDER",
    ),
]

GENERAL = [
    Flag(
        ("config",),
        V,
        "path of the .sops.yaml to use",
        "FILE",
        "general",
        "SOPS_CONFIG",
    ),
    Flag(
        ("enable-local-keyservice",),
        B,
        "use the keys of this machine (default true)",
        group="general",
    ),
    Flag(
        ("keyservice",),
        L,
        "also use the key service at this URI (tcp://host:port, unix:///path)",
        "URI",
        "general",
        "SOPS_KEYSERVICE",
    ),
    Flag(("verbose",), B, "log what is being done to stderr", group="general"),
    Flag(
        ("disable-version-check",),
        B,
        "accepted for compatibility (pysops never checks online)",
        group="general",
    ),
    Flag(
        ("check-for-updates",),
        B,
        "accepted for compatibility (pysops never checks online)",
        group="general",
    ),
    Flag(("version", "v"), B, "print the version", group="general"),
    Flag(("help", "h"), B, "show this help", group="general"),
]

SUBCOMMAND_ONLY = [
    Flag(
        ("value-file",),
        B,
        "set: VALUE is a file holding the JSON value",
        group="set and unset",
    ),
    Flag(
        ("value-stdin",),
        B,
        "set: read the JSON value from standard input",
        group="set and unset",
    ),
    Flag(
        ("idempotent",),
        B,
        "set/unset: do nothing (exit 0) when nothing changes",
        group="set and unset",
    ),
    Flag(("yes", "y"), B, "do not ask for confirmation", group="key management"),
    Flag(("file", "f"), V, "groups: the encrypted file", "FILE", "key management"),
    Flag(
        ("pristine",),
        B,
        "exec-env: start the command with only the secrets as environment",
        group="running commands",
    ),
    Flag(
        ("background",),
        B,
        "exec: run the command in the background",
        group="running commands",
    ),
    Flag(
        ("same-process",),
        B,
        "exec-env: replace pysops with the command",
        group="running commands",
    ),
    Flag(
        ("user",), V, "exec: run the command as this user", "USER", "running commands"
    ),
    Flag(
        ("no-fifo",),
        B,
        "exec-file: use a private temporary file instead of a FIFO",
        group="running commands",
    ),
    Flag(
        ("filename",),
        V,
        "exec-file: name of the file given to the command",
        "NAME",
        "running commands",
    ),
    Flag(("network", "net"), V, "keyservice: tcp or unix", "NET", "key service"),
    Flag(
        ("address", "addr"),
        V,
        "keyservice: address to listen on",
        "ADDR",
        "key service",
    ),
    Flag(("prompt",), B, "keyservice: ask before each operation", group="key service"),
    Flag(
        ("omit-extensions",),
        B,
        "publish: drop file extensions at the destination",
        group="publish",
    ),
    Flag(("recursive",), B, "publish: publish a directory tree", group="publish"),
]

ALL = MODE + KEYS + ADD_REMOVE + RULES + IO + DECRYPTION + GENERAL + SUBCOMMAND_ONLY
