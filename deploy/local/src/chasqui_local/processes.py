"""Process and port checks shared by the Kafka and PostgreSQL launchers."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from collections import deque
from pathlib import Path


def pid_alive(pid: int, *, cmdline_contains: str | None = None) -> bool:
    """True if pid runs and is not a zombie; optionally its command line must contain a marker."""
    with contextlib.suppress(ChildProcessError, OSError):
        # Reap it if it is our own exited child, so it does not linger as a zombie.
        os.waitpid(pid, os.WNOHANG)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    proc = Path("/proc") / str(pid)
    if not proc.exists():
        return os.name != "posix" or not Path("/proc/self").exists()
    try:
        stat = (proc / "stat").read_text()
        state = stat.rsplit(")", 1)[1].split()[0]
        if state in ("Z", "X"):
            return False
        if cmdline_contains is not None:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            return cmdline_contains in cmdline
    except (OSError, IndexError):
        return False
    return True


def read_pid(path: Path) -> int | None:
    """The pid on the first line of a pid file, or None if there is no usable one."""
    try:
        first = path.read_text().splitlines()[0].strip()
        return int(first)
    except (OSError, IndexError, ValueError):
        return None


def port_in_use(host: str, port: int) -> bool:
    """True if something listens on, or has bound, host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        if probe.connect_ex((host, port)) == 0:
            return True
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # SO_REUSEADDR so that connections in TIME_WAIT from a previous run do not count.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def terminate(pid: int, *, sig: signal.Signals, grace_s: float, marker: str) -> None:
    """Send sig, wait up to grace_s for the process to go, then SIGKILL it."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        if not pid_alive(pid, cmdline_contains=marker):
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and pid_alive(pid, cmdline_contains=marker):
        time.sleep(0.1)


def tail(path: Path, lines: int = 20) -> str:
    """The last lines of a log file, or a note that it is empty or missing."""
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            last = deque(handle, maxlen=lines)
    except OSError:
        return f"(no log at {path})"
    return "".join(last).rstrip() or f"(log {path} is empty)"
