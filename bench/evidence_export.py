"""Exporting an evidence package of 200 files totalling 500 MB: time and peak memory.

Run with `make bench-evidence` (or `.venv/bin/python bench/evidence_export.py --help`). The
script builds a throwaway database with one lawyer, receives N files of random bytes (sealed
in chunks under their items' keys, as `item_receive` keeps every evidence file), with consent
for the recipient, puts them all in one package, and then measures:

* baseline: `sha256sum` over the same files in clear, then `tar cf` of them, the floor of
  reading, hashing and packing the bytes once (the stock tools, in the same run);
* export: `manage.py evidence_export ID --age-recipient KEY --out FILE` in a child process
  (decrypting each file chunk by chunk, SHA-256 and SHA-512 on the way, the tar stream, the
  signature, age encryption), its wall time and peak resident memory (ru_maxrss of the child).

Targets (decision 0020): peak at most 256 MB, time at most twice the baseline.
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from benchdb import REPO_DIR, bench_environment, django_setup, throwaway_database

CHUNK = 1 << 20


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--megabytes", type=int, default=500)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="corridor-bench-evidence-"))
    try:
        with throwaway_database("", "unused", sqlite_dir=workdir) as url:
            django_setup(url, workdir)
            run(args, url, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(args: argparse.Namespace, url: str, workdir: Path) -> None:
    import pyrage
    from benchdb import bench_organisation

    from corridor.accounts.actions import staff_create
    from corridor.accounts.roles import Role
    from corridor.documentation import actions as doc
    from corridor.documentation.consent import consent_record
    from corridor.evidence.actions import item_receive, package_choose, package_create
    from corridor.vault.actions import compartment_create, membership_grant, user_keys_unlock
    from corridor.vault.keyring import Keyring, keyring_activated

    admin, admin_keyring = bench_organisation()
    passphrase = secrets.token_urlsafe(24)
    lawyer, _ = staff_create(
        username="lawyer", role=Role.LAWYER, passphrase=passphrase, actor_id=None
    )
    with keyring_activated(admin_keyring):
        docs = compartment_create(actor_id=admin.pk, name="Documentation", member_ids=[admin.pk])
        membership_grant(
            keyring=admin_keyring, compartment=docs, user_id=lawyer.pk, actor_id=admin.pk
        )
    keyring = Keyring(
        user_id=lawyer.pk, private_key=user_keys_unlock(user_id=lawyer.pk, passphrase=passphrase)
    )
    clear = workdir / "clear"
    clear.mkdir()
    total = args.megabytes * 1_000_000
    size = total // args.files
    with keyring_activated(keyring):
        person = doc.person_create(
            actor_id=lawyer.pk, compartment=docs, name="Bench Person", role="victim"
        )
        testimony = doc.testimony_create(
            actor_id=lawyer.pk,
            person=person,
            text="bench",
            language="en",
            taken_by="bench",
            taken_on=date(2020, 1, 1),
        )
        consent_record(
            actor_id=lawyer.pk,
            testimony=testimony,
            use="court",
            granted=True,
            anonymised=False,
            obtained_how="signed_form",
            obtained_on=date(2020, 1, 2),
            obtained_by="bench",
        )
        chosen = []
        for number in range(args.files):
            path = clear / f"file-{number:03d}.bin"
            with open(path, "wb") as handle:
                left = size
                while left:
                    piece = os.urandom(min(CHUNK, left))
                    handle.write(piece)
                    left -= len(piece)

            def pieces(path: Path = path):
                with open(path, "rb") as handle:
                    while piece := handle.read(CHUNK):
                        yield piece

            item = item_receive(
                actor_id=lawyer.pk,
                compartment=docs,
                pieces=pieces(),
                title=f"file {number}",
                original_name=path.name,
                media_type="application/octet-stream",
                received_from="bench",
                received_how="secure_upload",
                testimony=testimony,
            )
            chosen.append(("item", item.pk))
        package = package_create(
            actor_id=lawyer.pk,
            compartment=docs,
            recipient="Bench court",
            recipient_kind="court",
            language="en",
        )
        package_choose(actor_id=lawyer.pk, package=package, chosen=chosen)
    subprocess.run(["sync"], check=False)

    start = time.perf_counter()
    subprocess.run(
        ["sha256sum", *sorted(str(p) for p in clear.iterdir())],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        ["tar", "cf", str(workdir / "baseline.tar"), "-C", str(workdir), "clear"], check=True
    )
    baseline = time.perf_counter() - start
    (workdir / "baseline.tar").unlink()

    passphrase_file = workdir / "passphrase"
    passphrase_file.write_text(passphrase)
    recipient = str(pyrage.x25519.Identity.generate().to_public())
    out = workdir / "package.tar.age"
    env = {**os.environ, **bench_environment(url, workdir)}
    child = (
        "import resource, sys, time, django; django.setup()\n"
        "from django.core.management import call_command\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "start = time.perf_counter(); call_command(*sys.argv[1:])\n"
        "print(time.perf_counter() - start, before, file=sys.stderr)\n"
    )
    start = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            child,
            "evidence_export",
            str(package.pk),
            "--age-recipient",
            recipient,
            "--out",
            str(out),
            "--user",
            "lawyer",
            "--passphrase-file",
            str(passphrase_file),
        ],
        check=True,
        env={**env, "PYTHONPATH": str(REPO_DIR)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO_DIR,
    )
    whole = time.perf_counter() - start
    export_text, before_text = result.stderr.strip().splitlines()[-1].split()
    export = float(export_text)
    print(
        f"(the child process took {whole:.2f} s in all, with Python and Django starting;"
        f" {int(before_text) / 1024:.0f} MB resident before the export began)"
    )
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"evidence export: {args.files} files, {total / 1e6:.0f} MB in clear, package {out.stat().st_size / 1e6:.0f} MB"
    )
    print(f"baseline sha256sum + tar: {baseline:.2f} s")
    print(
        f"export (evidence_export, age, in the child): {export:.2f} s = {export / baseline:.2f} x baseline (target <= 2)"
    )
    print(f"peak resident memory of the export process: {peak_mb:.0f} MB (target <= 256)")


if __name__ == "__main__":
    main()
