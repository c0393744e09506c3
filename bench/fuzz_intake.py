"""Long fuzz of the public form's multipart bodies (decision 0023): `make bench-fuzz-intake`.

Runs under pytest (a test database, an intake desk), posts FUZZ_REQUESTS (default 2000)
generated multipart bodies (cp1251, latin-1, zero-width and random-byte file names, empty and
non-image files, missing closing boundaries, bodies cut anywhere) to /help/ through Django's
test client, and prints: requests sent, 5xx, accepted, refused, file parts sent in accepted
requests, files stored, lost files (accepted requests that stored fewer files than they sent).
"""

from __future__ import annotations

import os
import random
import time

from corridor.intake.models import Submission, SubmissionAttachment
from corridor.intake.tests.conftest import _limits_forgotten, desk  # noqa: F401 (fixtures)
from corridor.intake.tests.images import jpeg_with_gps
from corridor.intake.tests.test_nothing_dropped import _post, _random_body


def test_fuzz_intake_long(desk, settings) -> None:  # noqa: F811
    settings.CORRIDOR_INTAKE_LIMITS = {
        **getattr(settings, "CORRIDOR_INTAKE_LIMITS", {}),
    }
    from corridor.intake import flood, limits

    total = int(os.environ.get("FUZZ_REQUESTS", "2000"))
    rng = random.Random(int(os.environ.get("FUZZ_SEED", "23")))
    photo = jpeg_with_gps()
    sent = errors = accepted = refused = parts = stored = lost = 0
    started = time.monotonic()
    for _ in range(total):
        limits.reached_forget()
        flood.peers_forget()
        limits_models = limits.RateBucket if hasattr(limits, "RateBucket") else None
        if limits_models is not None:
            limits_models.objects.all().delete()
        body, files = _random_body(rng, photo)
        before, submissions = SubmissionAttachment.objects.count(), Submission.objects.count()
        response = _post(body)
        sent += 1
        errors += response.status_code >= 500
        if Submission.objects.count() > submissions:
            accepted += 1
            parts += files
            got = SubmissionAttachment.objects.count() - before
            stored += got
            lost += max(files - got, 0)
        else:
            refused += 1
    seconds = time.monotonic() - started
    print(
        f"\nbench-fuzz-intake: requests sent {sent}, 5xx {errors}, accepted {accepted}, "
        f"refused {refused}, file parts in accepted {parts}, stored {stored}, "
        f"lost files {lost}, {seconds:.1f} s ({sent / seconds:.1f} req/s)"
    )
    assert errors == 0 and lost == 0
