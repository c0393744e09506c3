"""What a person sees when something fails: the site's style, both languages, what to do."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "first", "says"),
    [
        ("/help/boom/", "ru", "Your request was NOT sent."),
        ("/help/en/boom/", "en", "Your request was NOT sent."),
        ("/staff-boom/", "ru", "Nothing was changed: this page only shows information."),
    ],
)
def test_it_explains_a_server_error_in_both_languages(
    settings: Any, path: str, first: str, says: str
) -> None:
    settings.ROOT_URLCONF = "corridor.core.tests.failing_urls"
    response = Client(raise_request_exception=False).get(path)
    page = response.content.decode()
    assert response.status_code == 500
    assert says in page and "Something went wrong on the server" in page
    assert "Что-то пошло не так на сервере" in page
    assert page.split('<section lang="')[1][:2] == first  # the path's language first


@pytest.mark.django_db
def test_it_tells_a_staff_member_a_failed_save_may_not_have_been_saved(settings: Any) -> None:
    settings.ROOT_URLCONF = "corridor.core.tests.failing_urls"
    response = Client(raise_request_exception=False).post("/staff-boom/", {"x": "1"})
    assert response.status_code == 500
    assert "may not have been saved" in response.content.decode()
