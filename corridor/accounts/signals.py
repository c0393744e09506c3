"""Signals the accounts app sends, so the emergency controls can answer without accounts
importing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction of the second factor of a duress login (decision 0026).
# Keyword arguments: user (the coerced staff member), session_key (this session, the one
# that survives: it holds only a throwaway key). The emergency app destroys the user's key
# wraps, memberships and other sessions and raises the silent alert; a receiver that raises
# rolls the login back. Without a receiver the login is refused (session_verify).
duress_login = Signal()
