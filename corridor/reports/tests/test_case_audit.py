""" "Who read or changed this" on the case page: coordinators see it, others do not."""

from __future__ import annotations

from django.test import Client

from conftest import login

from .conftest import Desk
from .test_home import _start


def test_it_shows_coordinators_who_read_or_changed_a_case(desk: Desk) -> None:
    (case,) = desk.cases(1, start=_start())
    worker = login(Client(), desk.caseworker)
    page = worker.get(f"/cases/{case.pk}/").content.decode()
    assert "Who read or changed this" not in page
    page = login(Client(), desk.coordinator).get(f"/cases/{case.pk}/").content.decode()
    panel = page[page.index('id="case-audit"') :]
    assert "Who read or changed this" in panel
    assert "<td>worker</td><td>Read a case</td>" in panel
    assert "<td>coord</td><td>Opened a case</td>" in panel
