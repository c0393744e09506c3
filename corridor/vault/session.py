"""The user's private key for the length of a login session, split between server and browser.

At login the passphrase unwraps the private key; it is then kept only encrypted under a
random per-session secret that lives in the user's cookie (HttpOnly, SameSite=Strict, Secure
in production). The server-side session row alone opens nothing (T1, T2): a seized session
store without the browsers' cookies is ciphertext, and logout or idle expiry destroys the
server half: at the browser's next request, or in the worker's pass within a minute of the
timeout if it never comes back (corridor.accounts.session_expiry).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse

from corridor.vault import crypto
from corridor.vault.keyring import Keyring, keyring_activated
from corridor.vault.reads import reads_check, reads_ledger
from corridor.vault.signals import vault_session_stale

SESSION_KEY = "_vault_sk"
KEYS_SESSION_KEY = "_vault_keys"
COOKIE_NAME = "corridor_vk"


def _aad(user_id: int) -> bytes:
    return f"corridor|session|{user_id}".encode()


def vault_session_open(request: HttpRequest, *, user_id: int, private_key: bytes) -> None:
    secret = crypto.random_key()
    blob = crypto.aead_encrypt(secret, private_key, _aad(user_id))
    request.session[SESSION_KEY] = base64.b64encode(blob).decode("ascii")
    request._vault_cookie = secret  # type: ignore[attr-defined]


class SessionKeyCache:
    """Compartment and index keys this session has opened, encrypted under the cookie secret.

    The session already holds the private key under the same secret, and that key opens
    these; caching them saves a key-wrap query and a sealed-box opening on every request.
    Revocation stays effective: it re-keys to a new version that no cached key opens, and
    deactivation deletes the sessions.
    """

    def __init__(self, session: SessionBase, secret: bytes, user_id: int) -> None:
        self._session, self._secret, self._user_id = session, secret, user_id

    def _aad(self, name: str) -> bytes:
        return f"corridor|session-key|{self._user_id}|{name}".encode()

    def get(self, name: str) -> bytes | None:
        blob = self._session.get(KEYS_SESSION_KEY, {}).get(name)
        if blob is None:
            return None
        try:
            return crypto.aead_decrypt(self._secret, base64.b64decode(blob), self._aad(name))
        except (crypto.DecryptionError, binascii.Error, ValueError):
            return None

    def put(self, name: str, key: bytes) -> None:
        blob = crypto.aead_encrypt(self._secret, key, self._aad(name))
        keys = dict(self._session.get(KEYS_SESSION_KEY, {}))
        keys[name] = base64.b64encode(blob).decode("ascii")
        self._session[KEYS_SESSION_KEY] = keys


def vault_session_close(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.pop(KEYS_SESSION_KEY, None)
    request._vault_cookie_delete = True  # type: ignore[attr-defined]


def vault_session_keyring(request: HttpRequest) -> Keyring | None:
    """The keyring of this request's user, or None if either half is missing or stale."""
    user = request.user
    stored = request.session.get(SESSION_KEY)
    cookie = request.COOKIES.get(COOKIE_NAME)
    if not (user.is_authenticated and stored and cookie):
        return None
    try:
        secret = base64.urlsafe_b64decode(cookie.encode("ascii"))
        blob = base64.b64decode(stored)
        private_key = crypto.aead_decrypt(secret, blob, _aad(user.pk))
    except (crypto.DecryptionError, binascii.Error, ValueError):
        return None
    cache = SessionKeyCache(request.session, secret, user.pk)
    return Keyring(user_id=user.pk, private_key=private_key, cache=cache)


class VaultMiddleware:
    """Activates the logged-in, second-factor-verified user's keyring for one request, and
    checks at its end that every record it opened was audited (corridor.vault.reads)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        keyring = None
        verified = getattr(request.user, "is_verified", lambda: False)()
        if verified:
            keyring = vault_session_keyring(request)
            if keyring is None:
                # The session row without the browser's half (a replayed or seized session,
                # a lost cookie) is locked: end it, so the staff gate sends it to the login
                # instead of a view failing on the first sensitive field (T1). The vault
                # does not know how staff sessions end: the accounts app answers the signal.
                vault_session_stale.send(sender=VaultMiddleware, request=request)
                if not vault_session_stale.has_listeners(VaultMiddleware):
                    vault_session_close(request)
        request.keyring = keyring  # type: ignore[attr-defined]
        with keyring_activated(keyring), reads_ledger() as ledger:
            response = self.get_response(request)
        reads_check(
            ledger,
            actor_id=request.user.pk if request.user.is_authenticated else None,
            failed=response.status_code >= 500,
        )
        secret = getattr(request, "_vault_cookie", None)
        if secret is not None:
            response.set_cookie(
                COOKIE_NAME,
                base64.urlsafe_b64encode(secret).decode("ascii"),
                httponly=True,
                secure=settings.SESSION_COOKIE_SECURE,
                samesite="Strict",
            )
        elif getattr(request, "_vault_cookie_delete", False):
            response.delete_cookie(COOKIE_NAME, samesite="Strict")
        return response
