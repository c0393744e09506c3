"""The `corridor link` command: output shape and clear failures."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from corridor.linkage.cli import main

HEADER = "id,full_name,phone,birth_date,city\n"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_it_writes_one_cluster_row_per_request(tmp_path: Path) -> None:
    source = _write(
        tmp_path / "in.csv",
        HEADER
        + "1,Магомед Магомадов,+7 928 123-45-67,03.04.1991,Grozny\n"
        + "2,MAGOMADOV Mahomed,8 (928) 123-45-67,,\n"
        + "3,Ruslan Tsoy,,,\n",
    )
    out = tmp_path / "out.csv"
    assert main([str(source), "--out", str(out), "--quiet"]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [row["id"] for row in rows] == ["1", "2", "3"]
    assert list(rows[0]) == ["id", "cluster"]
    assert rows[0]["cluster"] == rows[1]["cluster"] != rows[2]["cluster"]


def test_it_fails_clearly_on_a_missing_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(tmp_path / "in.csv", "id,full_name\n1,x\n")
    assert main([str(source), "--out", str(tmp_path / "o.csv")]) == 2
    assert "missing column(s): phone, birth_date" in capsys.readouterr().err


def test_it_fails_clearly_on_a_bad_encoding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(HEADER.encode() + "1,Магомед,,,\n".encode("cp1251"))
    assert main([str(source), "--out", str(tmp_path / "o.csv")]) == 2
    assert "not valid UTF-8" in capsys.readouterr().err


def test_it_fails_clearly_on_an_unreadable_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path / "absent.csv"), "--out", str(tmp_path / "o.csv")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_it_reports_progress_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _write(tmp_path / "in.csv", HEADER + "1,Ruslan Tsoy,,,\n")
    assert main([str(source), "--out", str(tmp_path / "o.csv")]) == 0
    assert "read 1 requests" in capsys.readouterr().err


def test_it_names_cp1251_when_the_file_is_in_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes((HEADER + "1,Магомед Магомадов,,,\n").encode("cp1251"))
    out = tmp_path / "o.csv"
    assert main([str(source), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "not valid UTF-8 (line 2)" in err
    assert "Windows-1251" in err
    assert not out.exists()


def test_it_fails_clearly_on_an_empty_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(tmp_path / "in.csv", "")
    assert main([str(source), "--out", str(tmp_path / "o.csv")]) == 2
    assert "the file is empty" in capsys.readouterr().err


def test_it_fails_clearly_on_a_header_without_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(tmp_path / "in.csv", HEADER)
    assert main([str(source), "--out", str(tmp_path / "o.csv")]) == 2
    assert "no request follows" in capsys.readouterr().err


def test_it_shows_the_header_it_found_and_suspects_semicolons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(tmp_path / "in.csv", "id;full_name;phone;birth_date\n1;x;;\n")
    assert main([str(source), "--out", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert "missing column(s): id, full_name, phone, birth_date" in err
    assert "semicolon" in err


def test_it_names_a_duplicate_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _write(tmp_path / "in.csv", HEADER + "7,a,,,\n7,b,,,\n")
    assert main([str(source), "--out", str(tmp_path / "o.csv")]) == 2
    assert "id '7' appears twice" in capsys.readouterr().err
