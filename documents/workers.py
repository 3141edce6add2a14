"""The worker processes of `documents.queue`, as the operating system sees them: who a worker is,
whether it still runs, how it is stopped, and the limits it lays out under.

A worker is named by a token, "host pid start": the start time (in clock ticks since boot, read from
/proc) tells a worker from a later process that got the same pid, so that stopping a lost worker can
never hit anything else. A worker is the leader of its own process group (`start_new_session`):
stopping it stops whatever it started too. Without /proc (not Linux), a worker cannot be verified,
so it is never stopped nor counted once lost.
"""

import contextlib
import logging
import os
import resource
import signal
import socket
from pathlib import Path

logger = logging.getLogger(__name__)

# CPU seconds past the wall-clock limit before the kernel ends a worker the alarm could not stop.
CPU_GRACE_SECONDS = 10


class TimeLimitExceeded(Exception):
    """The layout of one document ran past its wall-clock limit."""

    def __init__(self, seconds):
        super().__init__(f"mise en page arrêtée au bout de {seconds} s (limite DOCUMENT_TIME_LIMIT_SECONDS)")


def _stat(pid):
    """(state, start time) of process `pid` from /proc, or None if there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = stat[stat.rindex(")") + 2:].split()
    return fields[0], fields[19]


def token(pid=None):
    """This process (or process `pid`) as a worker token; "" when it cannot be verified later."""
    pid = pid or os.getpid()
    stat = _stat(pid)
    return f"{socket.gethostname()} {pid} {stat[1]}" if stat else ""


def _local_pid(worker):
    """The pid of a worker token's process if it still runs on this host (not a zombie), else None."""
    try:
        host, pid, started = worker.split()
    except ValueError:
        return None
    stat = _stat(int(pid))
    if host != socket.gethostname() or stat is None or stat[1] != started or stat[0] in ("Z", "X"):
        return None
    return int(pid)


def is_alive(worker):
    return _local_pid(worker) is not None


def stop(worker):
    """Kill a worker and its process group; True if it is gone (or was already)."""
    pid = _local_pid(worker)
    if pid is None:
        return True
    try:
        # Only a group of its own: never this process's group, nor a process that leads none.
        if os.getpgid(pid) != pid or pid == os.getpgrp():
            logger.error("Document worker %s not stopped: it does not lead a process group of its own", worker)
            return False
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        return True
    except PermissionError:
        logger.error("Document worker %s could not be stopped (permission denied)", worker)
        return False
    logger.warning("Document worker %s stopped: it was lost", worker)
    return True


@contextlib.contextmanager
def memory_limit(max_bytes):
    """Cap this process's address space: an allocation past it fails (MemoryError) instead of
    pushing the server into swap."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (max_bytes if hard == resource.RLIM_INFINITY else min(max_bytes, hard), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@contextlib.contextmanager
def time_limit(seconds):
    """Raise TimeLimitExceeded in this (main) thread after `seconds` of wall-clock time. Python runs
    the alarm between two steps of the layout; should one step never return, the CPU limit set
    alongside (a few seconds later) makes the kernel end the process, and the queue reports it
    lost."""

    def expired(signum, frame):
        raise TimeLimitExceeded(seconds)

    previous = signal.signal(signal.SIGALRM, expired)
    cpu_soft, cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_limit = int(usage.ru_utime + usage.ru_stime) + seconds + CPU_GRACE_SECONDS
    if cpu_hard == resource.RLIM_INFINITY or cpu_limit < cpu_hard:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_limit, cpu_hard))
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_soft, cpu_hard))
