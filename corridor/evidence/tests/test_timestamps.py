"""RFC 3161 trusted time for a package's signature (decision 0036), against a real TSA made
here with the stock `openssl` (a CA, a TSA certificate with the critical timeStamping
extended key usage, `openssl ts -query` and `-reply`), never a canned response."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from conftest import login
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.evidence.models import Package, PackageExport
from corridor.evidence.tests.conftest import consented_package

BAGIT = str(Path(sys.executable).with_name("bagit.py"))
pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")

TS_CONFIG = """
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {dir}
serial = {dir}/serial
crypto_device = builtin
signer_cert = {dir}/tsa.pem
signer_key = {dir}/tsa.key
certs = {dir}/tsa.pem
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_alg = sha256
"""


def _openssl(*args: str, cwd: Path) -> bytes:
    done = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


class Tsa:
    """A timestamp authority: its own self-signed CA and a TSA certificate under it."""

    def __init__(self, where: Path, name: str) -> None:
        self.dir = where
        where.mkdir()
        (where / "serial").write_text("01\n")
        (where / "tsa.ext").write_text(
            "extendedKeyUsage=critical,timeStamping\nbasicConstraints=CA:FALSE\n"
            "keyUsage=critical,digitalSignature\n"
        )
        (where / "ts.cnf").write_text(TS_CONFIG.format(dir=where))
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
                 "-out", "ca.pem", "-days", "2", "-subj", f"/CN={name} CA", cwd=where)  # fmt: skip
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out",
                 "tsa.csr", "-subj", f"/CN={name}", cwd=where)  # fmt: skip
        _openssl("x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-CAcreateserial", "-out", "tsa.pem", "-days", "2", "-extfile", "tsa.ext",
                 cwd=where)  # fmt: skip
        self.ca = where / "ca.pem"

    def stamp(self, data: bytes, digest: str = "-sha256") -> bytes:
        """The TSA's response to a query over `data`, as a lawyer brings it back."""
        (self.dir / "data").write_bytes(data)
        _openssl("ts", "-query", "-data", "data", digest, "-cert", "-out", "q.tsq", cwd=self.dir)
        _openssl("ts", "-reply", "-config", "ts.cnf", "-queryfile", "q.tsq", "-out", "r.tsr",
                 cwd=self.dir)  # fmt: skip
        return (self.dir / "r.tsr").read_bytes()


@pytest.fixture(scope="module")
def tsas(tmp_path_factory):
    where = tmp_path_factory.mktemp("tsa")
    return Tsa(where / "ours", "Trusted TSA"), Tsa(where / "foreign", "Foreign TSA")


@pytest.fixture
def exported(desk, tmp_path, settings, tsas):
    settings.CORRIDOR_TSA_CA_FILE = str(tsas[0].ca)
    _item, package = consented_package(
        desk,
        anonymised=False,
        with_testimony=False,
        item={
            "pieces": [b"medical record " * 100],
            "title": "Medical record",
            "original_name": "record.txt",
            "media_type": "text/plain",
            "received_from": "Clinic",
            "received_how": "post",
        },
    )
    passphrase = tmp_path / "pass"
    passphrase.write_text(desk.lawyer.passphrase)
    bag = tmp_path / "bag"
    call_command(*_as_lawyer("evidence_export", str(package.pk), "--plain", "--out", str(bag),
                             passphrase=passphrase), stdout=io.StringIO())  # fmt: skip
    return package, passphrase, bag


def _as_lawyer(*args: str, passphrase: Path) -> list[str]:
    return [*args, "--user", "lawyer", "--passphrase-file", str(passphrase)]


def _import(package, response: bytes, passphrase: Path, where: Path) -> str:
    path = where / "response.tsr"
    path.write_bytes(response)
    out = io.StringIO()
    call_command(
        *_as_lawyer("evidence_timestamp", str(package.pk), str(path), passphrase=passphrase),
        stdout=out,
    )
    return out.getvalue()


def _stock(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, check=False)


def test_it_keeps_a_verified_timestamp_and_later_exports_carry_it(exported, tsas, tmp_path):
    package, passphrase, bag = exported
    signature = (bag / "tagmanifest-sha256.txt.minisig").read_bytes()
    # When the lawyer brings back the TSA's response over the signature of the export
    said = _import(package, tsas[0].stamp(signature), passphrase, tmp_path)
    # Then it is kept, with the time the TSA gives and the export it covers
    package = Package.objects.get(pk=package.pk)
    export = PackageExport.objects.get(package=package)
    assert bytes(package.timestamp_token or b"") == (tsas[0].dir / "r.tsr").read_bytes()
    assert package.timestamp_export == export and export.signature.encode() == signature
    assert package.timestamp_time is not None and package.timestamp_time.isoformat() in said
    assert AuditEntry.objects.filter(
        action="evidence_package.timestamp", object_id=str(package.pk)
    ).exists()
    # And a later export carries the earlier signature and its token as tag files
    later = tmp_path / "later"
    call_command(*_as_lawyer("evidence_export", str(package.pk), "--plain", "--out", str(later),
                             passphrase=passphrase), stdout=io.StringIO())  # fmt: skip
    stamp = later / "timestamp"
    assert (stamp / "tagmanifest-sha256.txt.minisig").read_bytes() == signature
    assert (stamp / "tagmanifest-sha256.txt.minisig.tsr").read_bytes() == bytes(
        package.timestamp_token or b""
    )
    tagmanifest = (later / "tagmanifest-sha256.txt").read_text()
    assert "timestamp/tagmanifest-sha256.txt.minisig.tsr" in tagmanifest
    assert "Trusted time (RFC 3161)" in (later / "data" / "index-en.txt").read_text()
    # The stock tools: bagit.py, minisign on both signatures, openssl ts on the token
    key = tmp_path / "k.pub"
    out = io.StringIO()
    call_command("evidence_pubkey", stdout=out)
    key.write_text(out.getvalue())
    assert _stock(BAGIT, "--validate", str(later)).returncode == 0
    for manifest in (later / "tagmanifest-sha256.txt", stamp / "tagmanifest-sha256.txt"):
        assert _stock("minisign", "-V", "-p", str(key), "-m", str(manifest)).returncode == 0
    verified = _stock("openssl", "ts", "-verify", "-in", str(stamp / "tagmanifest-sha256.txt.minisig.tsr"),
                      "-data", str(stamp / "tagmanifest-sha256.txt.minisig"),
                      "-CAfile", str(tsas[0].ca))  # fmt: skip
    assert verified.returncode == 0 and "Verification: OK" in verified.stdout
    # Our verifier checks it too, and names a token that does not verify against a CA
    out = io.StringIO()
    call_command("evidence_verify", str(later), "--tsa-ca", str(tsas[0].ca), stdout=out)
    assert "timestamp: good" in out.getvalue()
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("evidence_verify", str(later), "--tsa-ca", str(tsas[1].ca), stderr=err)
    assert "INVALID: timestamp:" in err.getvalue()
    # And a byte changed in the token breaks the bag for bagit.py and for our verifier
    token = stamp / "tagmanifest-sha256.txt.minisig.tsr"
    token.write_bytes(token.read_bytes()[:-1] + bytes([token.read_bytes()[-1] ^ 1]))
    assert _stock(BAGIT, "--validate", str(later)).returncode != 0
    with pytest.raises(SystemExit):
        call_command("evidence_verify", str(later), stderr=io.StringIO())


def _refused(package, response: bytes, passphrase: Path, where: Path, says: str) -> None:
    with pytest.raises(CommandError, match=says):
        _import(package, response, passphrase, where)
    stored = Package.objects.get(pk=package.pk)
    assert stored.timestamp_token is None and stored.timestamp_time is None
    assert not AuditEntry.objects.filter(action="evidence_package.timestamp").exists()


def test_a_response_over_other_data_is_refused(exported, tsas, tmp_path):
    package, passphrase, bag = exported
    other = (bag / "tagmanifest-sha256.txt").read_bytes()  # the manifest, not its signature
    _refused(package, tsas[0].stamp(other), passphrase, tmp_path, "over other data")


def test_a_response_from_another_ca_is_refused(exported, tsas, tmp_path):
    package, passphrase, bag = exported
    signature = (bag / "tagmanifest-sha256.txt.minisig").read_bytes()
    _refused(package, tsas[1].stamp(signature), passphrase, tmp_path, "does not verify")


def test_a_garbled_file_is_refused(exported, tsas, tmp_path):
    package, passphrase, bag = exported
    signature = (bag / "tagmanifest-sha256.txt.minisig").read_bytes()
    good = tsas[0].stamp(signature)
    _refused(package, b"not a timestamp at all", passphrase, tmp_path, "not an RFC 3161")
    _refused(package, good[: len(good) // 2], passphrase, tmp_path, "not an RFC 3161")
    flipped = bytearray(good)
    flipped[-40] ^= 0x55  # inside the TSA's signature
    _refused(package, bytes(flipped), passphrase, tmp_path, "not an RFC 3161|does not verify")


def test_a_refusal_by_the_tsa_is_refused(exported, tsas, tmp_path):
    package, passphrase, bag = exported
    signature = (bag / "tagmanifest-sha256.txt.minisig").read_bytes()
    rejected = tsas[0].stamp(signature, "-sha1")  # not among the TSA's digests: rejected
    _refused(package, rejected, passphrase, tmp_path, "refused this request")


def test_without_a_configured_ca_nothing_is_kept(exported, tsas, tmp_path, settings):
    package, passphrase, bag = exported
    settings.CORRIDOR_TSA_CA_FILE = ""
    signature = (bag / "tagmanifest-sha256.txt.minisig").read_bytes()
    _refused(package, tsas[0].stamp(signature), passphrase, tmp_path, "CORRIDOR_TSA_CA_FILE")


def test_the_package_page_takes_the_upload(exported, tsas, desk):
    package, _passphrase, bag = exported
    signature = (bag / "tagmanifest-sha256.txt.minisig").read_bytes()
    client = login(Client(), desk.lawyer)
    page = client.get(f"/evidence/packages/{package.pk}/").content.decode()
    assert "No trusted time yet." in page and 'name="response"' in page
    url = f"/evidence/packages/{package.pk}/timestamp/"
    garbled = client.post(url, {"response": io.BytesIO(b"garbage")}, follow=True)
    assert "not an RFC 3161" in garbled.content.decode()
    assert Package.objects.get(pk=package.pk).timestamp_token is None
    good = io.BytesIO(tsas[0].stamp(signature))
    good.name = "response.tsr"
    page = client.post(url, {"response": good}, follow=True).content.decode()
    assert "The timestamp was verified and kept." in page
    assert "A timestamp authority vouches" in page
    assert Package.objects.get(pk=package.pk).timestamp_token is not None


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.CASEWORKER, Role.VIEWER])
def test_other_roles_may_not_upload(exported, tsas, desk, role):
    package, _passphrase, bag = exported
    other = desk.org.staff(f"u-{role}", role, ("Documentation",))
    response = io.BytesIO(tsas[0].stamp((bag / "tagmanifest-sha256.txt.minisig").read_bytes()))
    posted = login(Client(), other).post(
        f"/evidence/packages/{package.pk}/timestamp/", {"response": response}
    )
    assert posted.status_code == 403
    assert Package.objects.get(pk=package.pk).timestamp_token is None
