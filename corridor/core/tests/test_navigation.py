"""The staff navigation offers a role only the pages its permissions open."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from conftest import Org, login

NAV = re.compile(r"<nav>(.*?)</nav>", re.S)
HREF = re.compile(r'href="([^"]+)"')


def _nav_links(client: Client) -> list[str]:
    page = client.get("/").content.decode()
    match = NAV.search(page)
    assert match is not None
    return HREF.findall(match.group(1))


@pytest.mark.parametrize(
    "role", ["admin", "coordinator", "caseworker", "triage", "lawyer", "viewer"]
)
def test_it_offers_only_links_the_role_may_open(org: Org, client: Client, role: str) -> None:
    # Given a verified staff member of this role
    staff = org.admin if role == "admin" else org.staff(f"nav-{role}", role, ("North",))
    login(client, staff)
    # When they open the start page
    links = _nav_links(client)
    # Then no link of the navigation is refused to their role (a page limited to the members
    # of a compartment, like the triage inbox without a desk, may still answer 404)
    assert links
    for link in links:
        assert client.get(link).status_code in (200, 404), link


def test_it_offers_the_administration_pages_to_an_administrator_only(
    org: Org, client: Client
) -> None:
    # Given an administrator and a coordinator
    coordinator = org.staff("nav-coordinator", "coordinator", ("North",))
    admin_pages = {"/accounts/staff/", "/accounts/compartments/", "/audit/"}
    # When each opens the start page, Then only the administrator is offered the admin pages
    login(client, org.admin)
    assert admin_pages <= set(_nav_links(client))
    other = Client()
    login(other, coordinator)
    assert not admin_pages & set(_nav_links(other))
