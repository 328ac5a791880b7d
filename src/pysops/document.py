"""Encrypting and decrypting the values of a tree, and computing its MAC."""

from __future__ import annotations

import hashlib
from typing import Any

from .cipher import CipherError, ValueCipher
from .errors import SopsError
from .exitcodes import ERROR_DECRYPTING_TREE, ERROR_ENCRYPTING_TREE
from .rules import EncryptionRules, compile_go_regex
from .tree import Branch, Comment, Tagged
from .values import mac_bytes

# Fed first into the hash of a MAC that covers only encrypted values, so that
# such a MAC never equals one over all values: SHA-256 of b"sops".
MAC_ONLY_ENCRYPTED_PREFIX = hashlib.sha256(b"sops").digest()


class TreeCryptError(SopsError):
    """A value could not be encrypted or decrypted; names the path, never the value."""


class _Walk:
    """One pass over the branches, encrypting or decrypting leaves in place.

    The pass follows Go sops' walk exactly, because two things depend on the
    order in which leaves are visited: the MAC (a hash over the values in
    document order) and the comment rules (comments seen so far at each
    nesting level decide whether the next value is encrypted).
    """

    def __init__(
        self,
        cipher: ValueCipher,
        rules: EncryptionRules,
        mac_only_encrypted: bool,
        encrypting: bool,
    ) -> None:
        self.cipher = cipher
        self.encrypting = encrypting
        self.mac_only_encrypted = mac_only_encrypted
        self.hash = hashlib.sha512()
        if mac_only_encrypted:
            self.hash.update(MAC_ONLY_ENCRYPTED_PREFIX)
        rules = rules.with_default()
        self.unenc_suffix = rules.unencrypted_suffix
        self.enc_suffix = rules.encrypted_suffix
        self.unenc_re = (
            compile_go_regex(rules.unencrypted_regex)
            if rules.unencrypted_regex
            else None
        )
        self.enc_re = (
            compile_go_regex(rules.encrypted_regex) if rules.encrypted_regex else None
        )
        self.unenc_comment_re = (
            compile_go_regex(rules.unencrypted_comment_regex)
            if rules.unencrypted_comment_regex
            else None
        )
        self.enc_comment_re = (
            compile_go_regex(rules.encrypted_comment_regex)
            if rules.encrypted_comment_regex
            else None
        )
        # Key rules start from "encrypted" unless an encrypted_* rule is set.
        self.root_state = not (self.enc_suffix or self.enc_re)
        self.has_comment_rules = (
            self.unenc_comment_re is not None or self.enc_comment_re is not None
        )

    # -- the per-key part of the rules, carried down the path -----------------

    def child_state(self, state: bool, key: str) -> bool:
        if self.unenc_suffix and key.endswith(self.unenc_suffix):
            return False
        if self.enc_suffix and key.endswith(self.enc_suffix):
            return True
        if self.unenc_re is not None and self.unenc_re.search(key):
            return False
        if self.enc_re is not None and self.enc_re.search(key):
            return True
        return state

    def should_encrypt(
        self, state: bool, comments: list[list[str]], is_comment: bool
    ) -> bool:
        encrypted = state
        if self.unenc_comment_re is not None:
            if any(
                self.unenc_comment_re.search(c) for level in comments for c in level
            ):
                encrypted = False
        if self.enc_comment_re is not None:
            encrypted = False
            last = len(comments) - 1
            for i, level in enumerate(comments):
                for j, c in enumerate(level):
                    # The matching comment line itself stays in clear.
                    if is_comment and i == last and j == len(level) - 1:
                        continue
                    if self.enc_comment_re.search(c):
                        return True
        return encrypted

    # -- walking ---------------------------------------------------------------

    def branch(
        self, branch: Branch, prefix: str, state: bool, comments: list[list[str]]
    ) -> None:
        level: list[str] = []
        comments = [*comments, level]
        comment_aad = prefix or ":"
        child_state = self.child_state
        value_of = self.value
        for i, (key, value) in enumerate(branch):
            if key.__class__ is not str:
                if isinstance(key, Comment):
                    level.append(key.text)
                    done = self.comment(key, comment_aad, state, comments)
                    branch[i] = (
                        done if isinstance(done, Comment) else Comment(done),
                        None,
                    )
                    continue
                if not isinstance(key, str):
                    raise TreeCryptError(
                        f"only string keys are supported, found {type(key).__name__}"
                    )
            branch[i] = (
                key,
                value_of(value, prefix + key + ":", child_state(state, key), comments),
            )
            if level:
                level.clear()

    def sequence(
        self, items: list[Any], aad: str, state: bool, comments: list[list[str]]
    ) -> None:
        level: list[str] = []
        comments = [*comments, level]
        for i, item in enumerate(items):
            if isinstance(item, Comment):
                level.append(item.text)
                items[i] = self.comment(item, aad, state, comments)
                continue
            items[i] = self.value(item, aad, state, comments)
            level.clear()

    def value(
        self, value: Any, aad: str, state: bool, comments: list[list[str]]
    ) -> Any:
        cls = value.__class__
        if cls is not str:
            if isinstance(value, Branch):
                self.branch(value, aad, state, comments)
                return value
            if isinstance(value, list):
                self.sequence(value, aad, state, comments)
                return value
            if value is None:
                return None
            if isinstance(value, Tagged):
                return Tagged(value.tag, self.value(value.value, aad, state, comments))
        if self.has_comment_rules:
            state = self.should_encrypt(state, comments, False)
        return self.leaf(value, aad, state)

    def leaf(self, value: Any, aad: str, encrypted: bool) -> Any:
        if self.encrypting:
            if encrypted or not self.mac_only_encrypted:
                self.hash.update(mac_bytes(value))
            if not encrypted:
                return value
            try:
                return self.cipher.encrypt(value, aad)
            except TypeError as err:
                raise TreeCryptError(
                    f"cannot encrypt value at {_show(aad)}: {err}",
                    exit_code=ERROR_ENCRYPTING_TREE,
                ) from None
        if encrypted:
            if value.__class__ is not str and not isinstance(value, str):
                raise TreeCryptError(
                    f"value at {_show(aad)} should be encrypted but is a plain "
                    f"{type(value).__name__}",
                    exit_code=ERROR_DECRYPTING_TREE,
                )
            try:
                value = self.cipher.decrypt(value, aad)
            except CipherError as err:
                raise TreeCryptError(
                    f"cannot decrypt value at {_show(aad)}: {err}",
                    exit_code=ERROR_DECRYPTING_TREE,
                ) from None
        elif self.mac_only_encrypted:
            return value
        if value.__class__ is str:
            self.hash.update(value.encode("utf-8", "surrogateescape"))
        elif not isinstance(value, Comment):
            self.hash.update(mac_bytes(value))
        return value

    def comment(
        self, comment: Comment, aad: str, state: bool, comments: list[list[str]]
    ) -> Comment | str:
        """Encrypt or decrypt a comment.

        An encrypted comment comes back as a plain string: inside a sequence
        it stays one (Go sops writes it as a list item), inside a branch the
        caller wraps it in a Comment again.
        """
        encrypted = self.should_encrypt(state, comments, True)
        if not encrypted:
            return comment
        if self.encrypting:
            text = self.cipher.encrypt(comment, aad)
            if self.unenc_comment_re is not None and self.unenc_comment_re.search(text):
                raise TreeCryptError(
                    "an encrypted comment matches the unencrypted comment regex; "
                    "choose a regex that cannot match encrypted text",
                    exit_code=ERROR_ENCRYPTING_TREE,
                )
            return text
        try:
            plain = self.cipher.decrypt(comment.text, aad)
        except CipherError:
            # Comments written in clear by older tools are kept as they are.
            return comment
        return plain if isinstance(plain, Comment) else Comment(str(plain))


def _show(aad: str) -> str:
    return "the top level" if aad == ":" else repr(aad[:-1])


def _walk_all(
    branches: list[Branch],
    cipher: ValueCipher,
    rules: EncryptionRules,
    mac_only_encrypted: bool,
    encrypting: bool,
) -> str:
    walk = _Walk(cipher, rules, mac_only_encrypted, encrypting=encrypting)
    for branch in branches:
        walk.branch(branch, "", walk.root_state, [])
    return walk.hash.hexdigest().upper()


def encrypt_branches(
    branches: list[Branch],
    cipher: ValueCipher,
    rules: EncryptionRules,
    mac_only_encrypted: bool = False,
) -> str:
    """Encrypt the values of ``branches`` in place; return the MAC (uppercase hex)."""
    return _walk_all(branches, cipher, rules, mac_only_encrypted, encrypting=True)


def decrypt_branches(
    branches: list[Branch],
    cipher: ValueCipher,
    rules: EncryptionRules,
    mac_only_encrypted: bool = False,
) -> str:
    """Decrypt the values of ``branches`` in place; return the MAC they hash to."""
    return _walk_all(branches, cipher, rules, mac_only_encrypted, encrypting=False)
