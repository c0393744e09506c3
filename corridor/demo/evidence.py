"""The demo's evidence (decision 0020): a photograph and a medical record with their custody
trails (the photograph with the working copy shown on screen, re-encoded without its EXIF
and GPS position: decision 0036), a package to the Investigative Committee sent through the ombudsman (linked to that
referral, whose answer says no investigation was opened) and a package to the UN Working
Group on disappearances. Everyone is invented; the packages are encrypted with age to a demo
recipient key, in var/demo-packages/."""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageDraw

from corridor.accounts.models import User
from corridor.documentation.models import Event, Referral, Testimony
from corridor.evidence.actions import (
    custody_append,
    item_read,
    item_receive,
    package_choose,
    package_create,
)
from corridor.evidence.models import Package
from corridor.evidence.packages import package_export_age
from corridor.vault.models import Compartment


def _photograph() -> bytes:
    image = Image.new("RGB", (640, 480), (92, 84, 80))
    draw = ImageDraw.Draw(image)
    draw.ellipse((220, 160, 420, 320), fill=(120, 60, 90))
    draw.text((20, 20), "Demo: bruise, left forearm (invented)", fill=(240, 240, 240))
    # As a phone would write it: the camera and where the photo was taken (invented), which
    # the working copy shown on screen no longer carries (decision 0036).
    exif = Image.Exif()
    exif[0x010F] = "Demo phone maker"
    exif[0x0110] = "Demo phone"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (43.0, 19.0, 3.0), 3: "E", 4: (45.0, 41.0, 37.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif.tobytes())
    return out.getvalue()


MEDICAL_RECORD = (
    "ВЫПИСКА ИЗ МЕДИЦИНСКОЙ КАРТЫ (демонстрационная, вымышленная)\n"
    "Пациент: [демо]\nДата осмотра: 28.04.2017\n"
    "Множественные кровоподтёки предплечий и спины, ожоговые отметины на запястьях, "
    "характерные для воздействия электрическим током. Давность 2–3 недели.\n"
    "Врач-травматолог [демо]\n"
).encode()


def demo_evidence_build(*, documentation: Compartment) -> list[Package]:
    """Build the evidence; the active keyring is the demo lawyer's."""
    import pyrage

    lawyer = User.objects.get(username="lawyer")
    testimonies = Testimony.objects.filter(compartment=documentation)
    first = testimonies.filter(person__role="victim").order_by("created_at").first()
    witness = testimonies.exclude(person__role="victim").order_by("created_at").first()
    if first is None or witness is None:
        return []
    photo = item_receive(
        actor_id=lawyer.pk,
        compartment=documentation,
        pieces=[_photograph()],
        title="Фотография кровоподтёков на предплечье",
        original_name="IMG_2017_04_27.jpg",
        media_type="image/jpeg",
        received_from="Пострадавший, лично на приёме",
        received_how="in_person",
        received_on="2017-04-27",
        note="Снято на телефон пострадавшего; передано на флешке, флешка возвращена",
        testimony=first,
    )
    record = item_receive(
        actor_id=lawyer.pk,
        compartment=documentation,
        pieces=[MEDICAL_RECORD],
        title="Выписка из медицинской карты",
        original_name="vypiska.txt",
        media_type="text/plain",
        received_from="Клиника в Москве, по запросу пострадавшего",
        received_how="post",
        received_on="2017-05-03",
        testimony=first,
    )
    custody_append(
        actor_id=lawyer.pk,
        item=record,
        action="transferred",
        details={"to": "Юрист организации", "how": "из рук в руки", "why": "подготовка жалобы"},
    )
    for item in (photo, record):
        list(item_read(actor_id=lawyer.pk, item=item))
    committee = Referral.objects.filter(
        compartment=documentation, recipient_kind="domestic_authority", parent__isnull=False
    ).first()
    united = Referral.objects.filter(
        compartment=documentation, recipient_kind="international"
    ).first()
    vanished = Event.objects.filter(compartment=documentation).order_by("-start_month").first()
    out_dir = Path(settings.VAR_DIR) / "demo-packages"
    out_dir.mkdir(parents=True, exist_ok=True)
    recipient = str(pyrage.x25519.Identity.generate().to_public())
    packages = []
    for name, kind, referral, chosen in (
        (
            "Следственный комитет Российской Федерации (через Уполномоченного по правам человека)",
            "domestic_authority",
            committee,
            [
                ("testimony", witness.pk),
                ("testimony", first.pk),
                ("item", photo.pk),
                ("item", record.pk),
            ],
        ),
        (
            "UN Working Group on Enforced or Involuntary Disappearances",
            "international",
            united,
            [
                ("testimony", witness.pk),
                ("testimony", first.pk),
                ("item", photo.pk),
                ("item", record.pk),
            ],
        ),
    ):
        if vanished is not None:
            chosen = [("event", vanished.pk), *chosen]
        package = package_create(
            actor_id=lawyer.pk,
            compartment=documentation,
            recipient=name,
            recipient_kind=kind,
            language="ru" if kind == "domestic_authority" else "en",
            referral=referral,
        )
        package_choose(actor_id=lawyer.pk, package=package, chosen=chosen)
        target = out_dir / f"{package.pk}.tar.age"
        if not target.exists():
            package_export_age(
                actor_id=lawyer.pk, package=package, recipients=[recipient], out=target
            )
        packages.append(package)
    return packages
