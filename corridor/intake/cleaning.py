"""Where a file from the public is opened: a child process with hard limits, a few at a time (T5).

Cleaning runs hostile bytes through Pillow and pypdf. What an image will cost is computed
from its header before it is decoded (`image_clean.py`), but a parser can still be made to
allocate far more than any check of its input predicts: a 21 KB PDF whose object streams
decompress to 20 MB of numbers made pypdf build 1.3 GB of objects over a minute. So every
file is opened in a child forked for it, with limits the kernel enforces:

- memory: `RLIMIT_DATA` at what the child inherits plus `CHILD_MEMORY`; past it an
  allocation fails and the file is refused (MemoryError in the child, or the child dies);
- CPU: `RLIMIT_CPU` of `CHILD_CPU_SECONDS`, and the parent kills a child that has not
  answered in `CHILD_WALL_SECONDS`;
- no core dump and no file written (`RLIMIT_CORE`, `RLIMIT_FSIZE` at 0): a crashing parser
  leaves no copy of a photo on disk (T1); logging is off in the child.

The child prices the file and waits; the parent admits the cost (the request's budget and
the hour's limits, counted before the work) or refuses it, and only then does the child
decode. It sends back JSON and the cleaned bytes, never a pickle: nothing the child says is
executed. A file the child fails on for any reason is refused as too complex.

At most `cleaning_slots()` children run at once on the machine, whatever the number of
gunicorn workers: a slot is an exclusive `flock` on one of that many files in VAR_DIR, held
until the child ends (the child inherits it, so a killed worker cannot free its slot early).
A request waits for a slot until its deadline and is then refused, with nothing stored:
concurrent bombs queue, they do not multiply. Linux semantics (POSIX fork and flock,
`RLIMIT_DATA` counting anonymous mappings since Linux 4.7).
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import json
import logging
import os
import random
import resource
import select
import signal
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings

from corridor.intake.image_clean import image_plan
from corridor.intake.pdf_clean import pdf_plan
from corridor.intake.plans import MAX_FILE_BYTES, MIB, Cleaned, Cost, Plan, Refused

CHILD_MEMORY = 256 * MIB  # an image decoded, one copy of it, the encoder, the parser
CHILD_CPU_SECONDS = 5
CHILD_WALL_SECONDS = 8
SLOT_POLL_SECONDS = 0.02
CONTENT_TYPES = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
_GO = b"g"


class CleaningBusy(Exception):
    """No cleaning slot came free before the request's deadline."""


def cleaning_slots() -> int:
    """Children cleaning at once on this machine (`CORRIDOR_INTAKE_CLEANING_SLOTS`): by
    default half the cores, at least one, so a flood of files leaves a core to the rest."""
    configured = getattr(settings, "CORRIDOR_INTAKE_CLEANING_SLOTS", None)
    return max(1, int(configured or (os.cpu_count() or 2) // 2))


def _slot_paths() -> list[Path]:
    return [Path(settings.VAR_DIR) / f"intake-cleaning-{n}.lock" for n in range(cleaning_slots())]


@contextlib.contextmanager
def cleaning_slot(deadline: float) -> Iterator[int]:
    """Hold one of the machine's cleaning slots, waiting until `deadline` (time.monotonic);
    gives the descriptor that holds it."""
    paths = _slot_paths()
    while True:
        random.shuffle(paths)
        for path in paths:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descriptor)
                continue
            try:
                yield descriptor
            finally:
                os.close(descriptor)  # the lock goes with the last descriptor of it
            return
        if time.monotonic() >= deadline:
            raise CleaningBusy
        time.sleep(SLOT_POLL_SECONDS)


# --- the child ------------------------------------------------------------------------------


def _plan(data: bytes, kind: str) -> Plan:
    return pdf_plan(data) if kind == "pdf" else image_plan(data, kind)


def _vm_data() -> int:
    """Bytes of private data mappings this process has now (what RLIMIT_DATA counts)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    raise OSError("no VmData")


def _limit(kind: int, soft: int, hard: int | None = None) -> None:
    """Lower a limit to `soft` (and `hard`, by default the same); never above the current
    hard limit, which an unprivileged process cannot raise."""
    hard = soft if hard is None else hard
    _current, ceiling = resource.getrlimit(kind)
    if ceiling != resource.RLIM_INFINITY:
        soft, hard = min(soft, ceiling), min(hard, ceiling)
    resource.setrlimit(kind, (soft, hard))


def _child_confine(keep: set[int]) -> None:
    """Limits, no signal handler of the web process, no logging, no descriptor but `keep`
    (the pipes and the slot: the database and the listening sockets are closed), and the
    standard streams on /dev/null (a library's warning must not hit the file size limit)."""
    null = os.open(os.devnull, os.O_RDWR)
    for standard in {0, 1, 2} - keep:
        os.dup2(null, standard)
    os.close(null)
    low = 3
    for descriptor in sorted(keep):
        os.closerange(low, descriptor)
        low = descriptor + 1
    os.closerange(low, min(resource.getrlimit(resource.RLIMIT_NOFILE)[0], 1 << 20))
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1):
        signal.signal(number, signal.SIG_DFL)
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_FSIZE, 0)
    _limit(resource.RLIMIT_CPU, CHILD_CPU_SECONDS, CHILD_CPU_SECONDS + 1)  # SIGXCPU, then KILL
    try:
        inherited = _vm_data()
    except OSError:  # no /proc: not Linux, where RLIMIT_DATA would not hold anyway
        return
    _limit(resource.RLIMIT_DATA, inherited + CHILD_MEMORY)


def _send(descriptor: int, message: dict[str, Any], content: bytes = b"") -> None:
    view = memoryview(json.dumps(message).encode("ascii") + b"\n" + content)
    while view:
        view = view[os.write(descriptor, view) :]


def _attempt(step: Callable[[], Any], kind: str) -> Any:
    """The step's result, or the code it was refused with."""
    try:
        return step()
    except Refused as refused:
        return refused.code
    except MemoryError:
        return "too_complex"
    except Exception:  # noqa: BLE001 (anything else a parser raises: the file is unreadable)
        return "pdf_unreadable" if kind == "pdf" else "image_unreadable"


def _child(data: bytes, kind: str, to_parent: int, from_parent: int, slot: int) -> None:
    _child_confine({to_parent, from_parent, slot})
    plan = _attempt(lambda: _plan(data, kind), kind)
    if isinstance(plan, str):
        _send(to_parent, {"refused": plan})
        return
    _send(to_parent, {"decoded_bytes": plan.cost.decoded_bytes, "pages": plan.cost.pages})
    if os.read(from_parent, 1) != _GO:
        return  # refused by the parent, or the parent is gone
    cleaned = _attempt(plan.finish, kind)
    del plan
    if isinstance(cleaned, str):
        _send(to_parent, {"refused": cleaned})
        return
    header = {"content_type": cleaned.content_type, "length": len(cleaned.content)}
    _send(to_parent, header, cleaned.content)


# --- the parent -----------------------------------------------------------------------------


class _ChildOutput:
    """Reads what the child writes, never more than a cleaned file and never past `deadline`."""

    def __init__(self, descriptor: int, deadline: float) -> None:
        self.descriptor = descriptor
        self.deadline = deadline
        self.buffer = bytearray()
        self.poller = select.poll()
        self.poller.register(descriptor, select.POLLIN)

    def _fill(self, wanted: int) -> None:
        while len(self.buffer) < wanted:
            left = self.deadline - time.monotonic()
            if left <= 0 or not self.poller.poll(int(left * 1000) + 1):
                raise Refused("too_complex")  # the child is taking too long
            chunk = os.read(self.descriptor, 1 << 20)  # what is there, up to 1 MiB
            if not chunk:
                raise Refused("too_complex")  # the child died
            self.buffer += chunk

    def message(self) -> dict[str, Any]:
        while b"\n" not in self.buffer:
            if len(self.buffer) > 4096:
                raise Refused("too_complex")
            self._fill(len(self.buffer) + 1)
        line, _, rest = bytes(self.buffer).partition(b"\n")
        self.buffer = bytearray(rest)
        value = json.loads(line)
        if not isinstance(value, dict):
            raise Refused("too_complex")
        if "refused" in value:
            raise Refused(str(value["refused"]))
        return value

    def content(self, length: int) -> bytes:
        self._fill(length)
        return bytes(self.buffer[:length])


def _number(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise Refused("too_complex")
    return value


def _talk(output: _ChildOutput, to_child: int, admit: Callable[[Cost], None]) -> Cleaned:
    priced = output.message()
    admit(Cost(_number(priced.get("decoded_bytes")), _number(priced.get("pages"))))
    os.write(to_child, _GO)
    header = output.message()
    content_type, length = header.get("content_type"), _number(header.get("length"))
    if content_type not in CONTENT_TYPES or length > MAX_FILE_BYTES:
        raise Refused("too_complex")
    return Cleaned(output.content(length), str(content_type), CONTENT_TYPES[str(content_type)])


def confined_clean(
    data: bytes, kind: str, *, admit: Callable[[Cost], None], deadline: float
) -> Cleaned:
    """Clean `data` (of `kind`) in a confined child once a slot is free. `admit(cost)` is
    called with the file's price before the work and may raise to refuse it. Raises Refused
    with the code of a refusal, CleaningBusy if `deadline` (time.monotonic) passes first,
    waiting for a slot or for the child."""
    with cleaning_slot(deadline) as slot:
        to_parent_read, to_parent_write = os.pipe()
        from_parent_read, from_parent_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: it never returns into the web process
            # The worker's objects stay out of the collector's sight: collecting them would
            # write to (and so copy) every page the child shares with its worker.
            gc.freeze()
            try:
                os.close(to_parent_read)
                os.close(from_parent_write)
                _child(data, kind, to_parent_write, from_parent_read, slot)
            finally:
                os._exit(0)
        os.close(to_parent_write)
        os.close(from_parent_read)
        # A child may not outlast the request's deadline either: the requester gets an
        # answer before gunicorn's timeout would cut the connection.
        output = _ChildOutput(to_parent_read, min(time.monotonic() + CHILD_WALL_SECONDS, deadline))
        try:
            return _talk(output, from_parent_write, admit)
        except (ValueError, OSError):  # broken JSON, a closed pipe
            raise Refused("too_complex") from None
        except Refused as refused:
            if refused.code == "too_complex" and time.monotonic() >= deadline:
                raise CleaningBusy from None  # cut by the request's deadline, not its own
            raise
        finally:
            os.close(to_parent_read)
            os.close(from_parent_write)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)  # it has answered or failed: it has no more to do
            os.waitpid(pid, 0)
