"""The user's private key for the length of a login session, split between server and browser.

At login the passphrase unwraps the private key; it is then kept only encrypted under a
random per-session secret that lives in the user's cookie (HttpOnly, SameSite=Strict, Secure
in production). The server-side session row alone opens nothing (T1, T2): a seized session
store without the browsers' cookies is ciphertext, and logout or idle expiry destroys the
server half.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from corridor.vault import crypto
from corridor.vault.keyring import Keyring, keyring_activated

SESSION_KEY = "_vault_sk"
COOKIE_NAME = "corridor_vk"


def _aad(user_id: int) -> bytes:
    return f"corridor|session|{user_id}".encode()


def vault_session_open(request: HttpRequest, *, user_id: int, private_key: bytes) -> None:
    secret = crypto.random_key()
    blob = crypto.aead_encrypt(secret, private_key, _aad(user_id))
    request.session[SESSION_KEY] = base64.b64encode(blob).decode("ascii")
    request._vault_cookie = secret  # type: ignore[attr-defined]


def vault_session_close(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
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
    return Keyring(user_id=user.pk, private_key=private_key)


class VaultMiddleware:
    """Activates the logged-in, second-factor-verified user's keyring for one request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        keyring = None
        verified = getattr(request.user, "is_verified", lambda: False)()
        if verified:
            keyring = vault_session_keyring(request)
        request.keyring = keyring  # type: ignore[attr-defined]
        with keyring_activated(keyring):
            response = self.get_response(request)
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
