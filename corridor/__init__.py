"""Corridor: case management for organisations that evacuate persecuted people."""
