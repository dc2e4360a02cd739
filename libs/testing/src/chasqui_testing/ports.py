"""Free TCP ports for a platform started by a test (Kafka, PostgreSQL, the services).

Ports are taken below the kernel's ephemeral range (`/proc/sys/net/ipv4/ip_local_port_range`,
32768-60999 on Linux): a port handed out by `bind(0)` is from that range, and so is the local port
of every outgoing connection the platform opens (Kafka clients, pools), so a service port chosen
there can be taken between the check and the service's own bind. That happened in CI: a management
port (API port + 1000) picked next to a `bind(0)` port collided and the service exited at start-up.
"""

from __future__ import annotations

import random
import socket
from collections.abc import Iterable
from pathlib import Path

HOST = "127.0.0.1"
LOWEST = 20_000
"""Lowest port handed out; below it sit well-known development servers (8000-9999, 5432, 9092)."""
MANAGEMENT_PORT_OFFSET = 1000
"""chasqui_common.settings.MANAGEMENT_PORT_OFFSET: each service serves /readyz on its port + 1000."""

_taken: set[int] = set()
"""Ports this process already handed out: two fixtures of one test never get the same one."""


def ephemeral_range() -> tuple[int, int]:
    """The kernel's ephemeral port range (inclusive); Linux's default when it cannot be read."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def _highest() -> int:
    low, _ = ephemeral_range()
    return max(LOWEST + 2 * MANAGEMENT_PORT_OFFSET, low - 1)


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
        return True


def _all_free(ports: Iterable[int]) -> bool:
    return all(p not in _taken and _bindable(p) for p in ports)


def free_port() -> int:
    """One port that can be bound now, outside the ephemeral range; never the same twice per process."""
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """`count` distinct free ports outside the ephemeral range.

    Raises:
        RuntimeError: when 2,000 random tries found none (the range is exhausted).
    """
    ports: list[int] = []
    for _ in range(2_000):
        port = random.randrange(LOWEST, _highest())
        if port not in ports and _all_free([port]):
            ports.append(port)
            if len(ports) == count:
                _taken.update(ports)
                return ports
    raise RuntimeError(f"found only {len(ports)} of {count} free ports in {LOWEST}-{_highest()}")


def free_block(offsets: Iterable[int], *, step: int = 10) -> int:
    """A base (a multiple of `step`) such that every `base + offset` is free, below the ephemeral range.

    Raises:
        RuntimeError: when no such base was found in 500 tries.
    """
    wanted = sorted(set(offsets))
    highest_base = _highest() - wanted[-1] - 1
    for _ in range(500):
        base = random.randrange(LOWEST, highest_base, step)
        ports = [base + offset for offset in wanted]
        if _all_free(ports):
            _taken.update(ports)
            return base
    raise RuntimeError(f"no free block {wanted} found below {_highest()}")


def free_service_port_base(services: int = 10) -> int:
    """A CHASQUI_SERVICE_PORT_BASE whose API ports (base+1..base+services) and management ports
    (each + 1000) are all free and outside the ephemeral range.

    `services` defaults above today's count so a service added later is covered too.

    Raises:
        RuntimeError: when no such block was found.
    """
    api = range(1, services + 1)
    return free_block([*api, *(offset + MANAGEMENT_PORT_OFFSET for offset in api)])
