"""Archives unpack safely with and without Python's extraction filters (3.11.4+ has them;
Debian 12's 3.11.2 does not, and a fresh machine may run it)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from corridor.core.archives import tar_extract_safely


def _archive(tmp_path: Path, *members: tarfile.TarInfo) -> Path:
    path = tmp_path / "a.tar"
    with tarfile.open(path, "w") as archive:
        for member in members:
            data = b"x" * member.size
            archive.addfile(member, io.BytesIO(data) if member.isfile() else None)
    return path


def _file(name: str) -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.size = 3
    return member


def _link(name: str, target: str) -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.type, member.linkname = tarfile.SYMTYPE, target
    return member


@pytest.fixture(params=["with filters", "without filters"])
def python(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "with filters" and not hasattr(tarfile, "data_filter"):
        pytest.skip("this Python has no extraction filters (before 3.11.4)")
    if request.param == "without filters" and hasattr(tarfile, "data_filter"):
        monkeypatch.delattr(tarfile, "data_filter")  # as on Python 3.11.2
    return str(request.param)


def test_it_extracts_plain_files_and_folders(tmp_path: Path, python: str) -> None:
    path = _archive(tmp_path, _file("bag/data/one.txt"), _file("bag/manifest.txt"))
    with tarfile.open(path) as archive:
        tar_extract_safely(archive, tmp_path / "out")
    assert (tmp_path / "out/bag/data/one.txt").read_bytes() == b"xxx"


@pytest.mark.parametrize(
    "member",
    [_file("../escaped.txt"), _link("bag/l", "/etc/passwd")],
    ids=["dot-dot", "symlink"],
)
def test_it_refuses_a_member_outside_the_destination_or_a_link(
    tmp_path: Path, python: str, member: tarfile.TarInfo
) -> None:
    path = _archive(tmp_path, member)
    with tarfile.open(path) as archive, pytest.raises(tarfile.TarError):
        tar_extract_safely(archive, tmp_path / "out")
    assert not (tmp_path / "escaped.txt").exists()


def test_it_never_writes_an_absolute_member_outside_the_destination(
    tmp_path: Path, python: str
) -> None:
    # Python's filter puts it below the destination; without one it is refused
    outside = tmp_path / "outside.txt"
    path = _archive(tmp_path, _file(str(outside)))
    with tarfile.open(path) as archive:
        try:
            tar_extract_safely(archive, tmp_path / "out")
        except tarfile.TarError:
            assert python == "without filters"
    assert not outside.exists()
