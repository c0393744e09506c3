"""`manage.py flush`, which on SQLite lifts the audit entries' append-only triggers around it.

Django's flush empties every table; on SQLite that is a DELETE, which the triggers of
migration 0003 refuse, and Django's test teardown flushes after every transactional test.
Emptying the whole database is the owner's act (on PostgreSQL it is a TRUNCATE, which the
trigger of migration 0002 does not see either), so the triggers are lifted for it alone and
re-created afterwards. This command replaces Django's own: an installed app's command wins.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import connections

from corridor.audit.append_only import sqlite_append_only_lifted


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        with sqlite_append_only_lifted(connections[options["database"]]):
            super().handle(**options)
