"""Unpacking a tar archive safely on every Python 3.11 release.

Python 3.11.4 added extraction filters (`filter="data"`: regular files and folders only,
nothing outside the destination, no links or devices). Debian 12's python3.11 is 3.11.2,
which has none: there the same rule is checked by hand before extracting.
"""

from __future__ import annotations

import tarfile
from pathlib import Path


def tar_extract_safely(archive: tarfile.TarFile, destination: Path) -> None:
    """Extract `archive` below `destination`; raise tarfile.ExtractError (a TarError),
    extracting nothing, for a member that is not a plain file or folder below it."""
    if hasattr(tarfile, "data_filter"):
        archive.extractall(destination, filter="data")
        return
    root = destination.resolve()
    for member in archive.getmembers():
        target = (root / member.name).resolve()
        if not (member.isfile() or member.isdir()) or not target.is_relative_to(root):
            raise tarfile.ExtractError(
                f"{member.name!r} is not a file or folder inside the archive"
            )
    archive.extractall(destination)  # noqa: S202 (every member was checked above)
