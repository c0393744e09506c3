"""The evidence commands, with the forms the issue fixes, and the stock minisign on the key."""

from __future__ import annotations

import io
import subprocess

import pyrage
import pytest
from django.core.management import CommandError, call_command

from corridor.accounts.roles import Role
from corridor.evidence.models import PackageExport
from corridor.evidence.tests.conftest import consented_package


def _call(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def exportable(desk, tmp_path):
    _item, package = consented_package(
        desk,
        anonymised=False,
        with_testimony=False,
        item={
            "pieces": [b"medical record " * 1000],
            "title": "Medical record",
            "original_name": "record.pdf",
            "media_type": "application/pdf",
            "received_from": "Clinic",
            "received_how": "post",
        },
    )
    passphrase = tmp_path / "pass"
    passphrase.write_text(desk.lawyer.passphrase)
    return package, passphrase


def test_list_prints_one_package_a_line_id_first(exportable):
    package, _ = exportable
    code, out, _err = _call("evidence_list")
    assert out.splitlines()[0].split("\t")[0] == str(package.pk)


def test_pubkey_is_read_by_the_stock_minisign(exportable, tmp_path):
    package, passphrase = exportable
    _c, key, _e = _call("evidence_pubkey")
    assert key.startswith("untrusted comment: minisign public key ")
    (tmp_path / "k.pub").write_text(key)
    _call(
        "evidence_export",
        str(package.pk),
        "--plain",
        "--out",
        str(tmp_path / "bag"),
        "--user",
        "lawyer",
        "--passphrase-file",
        str(passphrase),
    )
    result = subprocess.run(
        [
            "minisign",
            "-V",
            "-p",
            str(tmp_path / "k.pub"),
            "-m",
            str(tmp_path / "bag" / "tagmanifest-sha256.txt"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert PackageExport.objects.get().encrypted is False


def test_export_age_then_verify_with_identity(exportable, tmp_path):
    package, passphrase = exportable
    identity = pyrage.x25519.Identity.generate()
    out = tmp_path / "p.tar.age"
    code, text, _e = _call(
        "evidence_export",
        str(package.pk),
        "--age-recipient",
        str(identity.to_public()),
        "--out",
        str(out),
        "--user",
        "lawyer",
        "--passphrase-file",
        str(passphrase),
    )
    assert code == 0 and out.exists()
    (tmp_path / "id").write_text(f"# key\n{identity}\n")
    code, text, err = _call("evidence_verify", str(out), "--identity", str(tmp_path / "id"))
    assert code == 0 and "OK" in text, err
    data = bytearray(out.read_bytes())
    data[-40] ^= 1
    out.write_bytes(bytes(data))
    code, text, err = _call("evidence_verify", str(out), "--identity", str(tmp_path / "id"))
    assert code == 1 and "INVALID" in err


def test_verify_names_the_first_thing_wrong(exportable, tmp_path):
    package, passphrase = exportable
    _call(
        "evidence_export",
        str(package.pk),
        "--plain",
        "--out",
        str(tmp_path / "bag"),
        "--user",
        "lawyer",
        "--passphrase-file",
        str(passphrase),
    )
    assert _call("evidence_verify", str(tmp_path / "bag"))[0] == 0
    (tmp_path / "bag" / "tagmanifest-sha256.txt.minisig").unlink()
    code, _o, err = _call("evidence_verify", str(tmp_path / "bag"))
    assert code == 1 and "signature" in err and "missing" in err


def test_bad_input_is_refused_and_writes_nothing(exportable, org, tmp_path):
    package, passphrase = exportable
    with pytest.raises(CommandError, match="--age-recipient"):
        call_command(
            "evidence_export",
            str(package.pk),
            "--out",
            str(tmp_path / "x"),
            "--user",
            "lawyer",
            "--passphrase-file",
            str(passphrase),
        )
    with pytest.raises(CommandError, match="age recipient"):
        call_command(
            "evidence_export",
            str(package.pk),
            "--age-recipient",
            "nonsense",
            "--out",
            str(tmp_path / "x"),
            "--user",
            "lawyer",
            "--passphrase-file",
            str(passphrase),
        )
    with pytest.raises(CommandError, match="Not a package id"):
        call_command(
            "evidence_export",
            "nope",
            "--plain",
            "--out",
            str(tmp_path / "x"),
            "--user",
            "lawyer",
            "--passphrase-file",
            str(passphrase),
        )
    caseworker = org.staff("cw", Role.CASEWORKER, ("Documentation",))
    (tmp_path / "cw").write_text(caseworker.passphrase)
    with pytest.raises(CommandError, match="lawyers only"):
        call_command(
            "evidence_export",
            str(package.pk),
            "--plain",
            "--out",
            str(tmp_path / "x"),
            "--user",
            "cw",
            "--passphrase-file",
            str(tmp_path / "cw"),
        )
    assert not (tmp_path / "x").exists()
    assert not PackageExport.objects.exists()
