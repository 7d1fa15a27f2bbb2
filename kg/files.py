"""Writing output files whole or not at all.

Every file the project writes (graphs, viewer pages, exports, chunk files) goes through a
temporary file in the same directory that replaces the target only once it is complete
and on disk, so an interrupted run never leaves a half-written file behind.

>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
>>> atomic_write(target, b"done")
>>> target.read_bytes(), sorted(p.name for p in target.parent.iterdir())
(b'done', ['out.txt'])
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike):
    """A binary file that replaces ``path`` only once it is complete and on disk."""
    path = Path(path)
    temporary = None
    try:
        with signals_blocked():  # Ctrl-C or kill lands after the cleanup below is in place
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=temporary_prefix(path.name), suffix=".tmp")
            out = os.fdopen(handle, "wb")
        with out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        if temporary is not None:
            with signals_blocked():
                Path(temporary).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def signals_blocked():
    """Hold back SIGINT and SIGTERM (Ctrl-C, kill) in this block; one that came meanwhile lands
    right after it. Creating and removing temporaries in such blocks means an interrupted run
    cannot leave one behind."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def atomic_write(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all."""
    with atomic_file(path) as out:
        out.write(data)


def temporary_prefix(name: str) -> str:
    """The name prefix of a temporary file or folder for ``name``, made by this process: it
    carries the process id, so a later run can tell what a killed run left behind."""
    return f".{name}.pid{os.getpid()}-"


_TEMPORARY = re.compile(r"\..+\.pid(\d+)-")


def remove_stale_temporaries(folder: str | os.PathLike) -> list[Path]:
    """Remove the temporary files and folders in ``folder`` (see :func:`temporary_prefix`) of
    processes no longer running, left there by a run that was killed (``kill -9`` gives no
    chance to clean up); return them. Those of running processes are left alone.

    >>> import tempfile, pathlib, subprocess, sys
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    >>> stale = folder / f".graph.ttl.pid{int(gone.stdout)}-x1.tmp"
    >>> live = folder / f"{temporary_prefix('graph.ttl')}x2.tmp"
    >>> _ = stale.write_text("half"), live.write_text("busy")
    >>> [p.name for p in remove_stale_temporaries(folder)] == [stale.name], live.exists()
    (True, True)
    """
    removed = []
    for path in sorted(Path(folder).glob(".*.pid*-*")):
        match = _TEMPORARY.match(path.name)
        if match and not _running(int(match.group(1))):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
