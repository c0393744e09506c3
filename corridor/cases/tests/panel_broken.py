"""A panel module whose own import fails (not a test module): the page must not hide that."""

from __future__ import annotations

import corridor.cases.no_such_module  # type: ignore[import-not-found]  # noqa: F401
