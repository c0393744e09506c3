"""The role matrix's vocabulary: the world every row runs in, and the row types.

Each app's rows live in `tests/matrix_rows/<app>.py` (a `ROWS` list, optionally `PUBLIC_ROWS`
and a `build(world)` that adds the objects its rows are about to `world.extras`), so an app
states who may use its views beside the rest of its tests; `tests/test_role_matrix.py` runs
them all and fails on any named view without a row.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

from django.test import Client
from django.urls import reverse

from conftest import Org, Staff
from corridor.accounts.roles import Role
from corridor.cases.models import Case
from corridor.vault.models import Compartment

ROLES = tuple(str(role) for role in Role)
ALL = frozenset(ROLES)
ADMIN = frozenset({"admin"})
CASE_CREATORS = frozenset({"coordinator", "caseworker", "triage"})
COORDINATOR = frozenset({"coordinator"})

CASE_NAME = "Matrix Testperson Northward"
NEW_COMPARTMENT = "Matrix new compartment"
UUID_PATH = r"/cases/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/"


@dataclass
class World:
    org: Org
    staff: dict[tuple[str, bool], Staff]
    cookies: dict[tuple[str, bool], SimpleCookie]
    unverified: SimpleCookie
    north: Compartment
    south: Compartment
    case: Case
    spare_member: Staff
    spare_outsider: Staff
    # Objects the apps' rows are about, added by each rows module's build(world)
    extras: dict[str, Any] = field(default_factory=dict)

    def client(self, role: str, member: bool) -> Client:
        client = Client()
        client.cookies = copy.deepcopy(self.cookies[(role, member)])
        return client


Fn = Callable[[World], Any]


def none(world: World) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Row:
    """One view and method: the roles allowed, and what each kind of caller gets."""

    name: str
    method: str
    roles: frozenset[str]
    status: int = 200
    # An allowed role that is not a member of the "North" compartment the request is about.
    outsider_status: int | None = None  # None: same as a member
    outsider_effect: bool = True
    kwargs: Fn = none
    data: Fn = none
    location: Fn | None = None  # regex the redirect must match, for 302
    effect: Callable[[World, Staff], bool] | None = None  # did the action happen?
    shows: Fn | None = None  # text of the North case that members see and outsiders do not
    hides_from: frozenset[str] = frozenset()  # allowed roles that must not see `shows` either

    @property
    def id(self) -> str:
        return f"{self.name}-{self.method}"

    def path(self, world: World) -> str:
        return reverse(self.name, kwargs=self.kwargs(world))


@dataclass(frozen=True)
class PublicRow:
    """A view anyone may reach: the login steps, invitations, recovery, logout, language."""

    name: str
    method: str
    status: int
    kwargs: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    location: str | None = None

    @property
    def id(self) -> str:
        return f"{self.name}-{self.method}"
