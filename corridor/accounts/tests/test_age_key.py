"""Each user registers their own age public key for encrypted exports (decision 0037):
validated, audited, behind a fresh re-authentication, removable."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from django.test import Client

from conftest import Org, login
from corridor.accounts.models import User
from corridor.audit.models import AuditEntry


def _recipient(tmp_path: Path) -> str:
    out = subprocess.run(
        ["age-keygen", "-o", str(tmp_path / "k.txt")], capture_output=True, check=True
    ).stderr.decode()
    return out.split("Public key: ", 1)[1].strip()


def test_a_user_registers_their_age_key_and_it_is_audited(org: Org, tmp_path: Path) -> None:
    worker = org.staff("worker", "caseworker", ("North",))
    recipient = _recipient(tmp_path)
    client = login(Client(), worker)
    assert "Not registered yet" in client.get("/accounts/me/").content.decode()
    response = client.post("/accounts/me/age-key/", {"age_recipient": f"  {recipient} \n"})
    assert response.status_code == 302 and response["Location"] == "/accounts/me/"
    assert User.objects.get(pk=worker.user.pk).age_recipient == recipient
    assert AuditEntry.objects.filter(
        action="user.age_recipient", actor_id=worker.user.pk, object_id=str(worker.user.pk)
    ).exists()
    assert recipient in client.get("/accounts/me/age-key/").content.decode()
    removed = client.post("/accounts/me/age-key/", {"age_recipient": ""})
    assert removed.status_code == 302
    assert User.objects.get(pk=worker.user.pk).age_recipient == ""
    assert AuditEntry.objects.filter(action="user.age_recipient").count() == 2


def test_it_refuses_what_is_not_an_age_public_key_and_changes_nothing(
    org: Org, tmp_path: Path
) -> None:
    worker = org.staff("worker", "caseworker", ("North",))
    recipient = _recipient(tmp_path)
    identity = (tmp_path / "k.txt").read_text().splitlines()[-1]
    client = login(Client(), worker)
    broken = recipient[:-1] + ("q" if recipient[-1] != "q" else "p")  # checksum no longer holds
    for bad in (broken, identity, "ssh-ed25519 AAAAC3Nza", "age1" + "q" * 58, recipient.upper()):
        response = client.post("/accounts/me/age-key/", {"age_recipient": bad})
        assert response.status_code == 200, bad
        assert "This is not an age public key" in response.content.decode()
    assert User.objects.get(pk=worker.user.pk).age_recipient == ""
    assert not AuditEntry.objects.filter(action="user.age_recipient").exists()


def test_it_asks_for_a_fresh_reauthentication(org: Org, tmp_path: Path) -> None:
    worker = org.staff("worker", "caseworker", ("North",))
    client = login(Client(), worker)
    session = client.session
    session["_reauth_at"] = time.time() - 3600
    session.save()
    response = client.post("/accounts/me/age-key/", {"age_recipient": _recipient(tmp_path)})
    assert response.status_code == 302 and "/accounts/reauth/" in response["Location"]
    assert User.objects.get(pk=worker.user.pk).age_recipient == ""


def test_the_page_is_in_russian(org: Org) -> None:
    worker = org.staff("worker", "caseworker", ("North",))
    client = login(Client(), worker, language="ru")
    page = client.get("/accounts/me/age-key/").content.decode()
    assert "Ключ age для выгрузок" in page
