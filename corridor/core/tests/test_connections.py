"""A database connection closed under the server costs no request (issue 10, item 5).

Connections are kept between requests (CONN_MAX_AGE). One that the database closed while it
sat idle (a restart, an idle timeout, a proxy, an administrator's pg_terminate_backend) used
to fail the next request with a 500. With CONN_HEALTH_CHECKS each request checks its kept
connection before its first query and reopens a broken one. The requests here go through
Django's WSGI handler, as under gunicorn: the test client skips the request_started hook
that arms the check.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client, RequestFactory

from conftest import Org, login

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs a database server that can end a connection (pg_terminate_backend); "
    "a SQLite connection is a file handle in this process and is never cut under it",
)


def _get(handler: WSGIHandler, path: str, cookies: str) -> int:
    """Serve one GET as a WSGI server would; the response's status code."""
    environ = RequestFactory().get(path, HTTP_COOKIE=cookies, HTTP_HOST="localhost").environ
    statuses: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        statuses.append(status)
        return lambda data: None

    response = handler(environ, start_response)
    b"".join(response)
    response.close()  # type: ignore[attr-defined]  # fires request_finished, as servers do
    return int(statuses[0].split()[0])


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def _terminate(pid: int) -> None:
    """End that backend from another connection, as an administrator or a restart would."""
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.django_db(transaction=True)
def test_it_answers_the_next_request_after_its_idle_connection_was_terminated(org: Org) -> None:
    # Given a logged-in coordinator whose page was served on a kept connection
    staff = org.staff("conn-coord", "coordinator", ("North",))
    client = login(Client(), staff)
    cookies = "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())
    handler = WSGIHandler()
    assert _get(handler, "/", cookies) == 200
    pid = _backend_pid()
    # When the database ends that connection while it is idle
    _terminate(pid)
    # Then the next request on the same thread is answered, on a new connection
    assert _get(handler, "/", cookies) == 200
    assert _backend_pid() != pid
