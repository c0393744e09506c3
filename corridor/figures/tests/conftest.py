"""The reports tests' small desk: a coordinator, a caseworker and an outsider."""

from corridor.reports.tests.conftest import desk

__all__ = ["desk"]
