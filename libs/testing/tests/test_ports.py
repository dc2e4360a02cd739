"""Ports handed to test platforms are free, outside the ephemeral range, and never handed out twice."""

from __future__ import annotations

import socket

from chasqui_testing.ports import (
    MANAGEMENT_PORT_OFFSET,
    ephemeral_range,
    free_port,
    free_ports,
    free_service_port_base,
)


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_service_block_covers_api_and_management_ports_below_the_ephemeral_range() -> None:
    low, _ = ephemeral_range()
    base = free_service_port_base(services=7)
    ports = [base + i for i in range(1, 8)] + [base + MANAGEMENT_PORT_OFFSET + i for i in range(1, 8)]
    assert max(ports) < low
    assert all(_bindable(p) for p in ports)


def test_a_port_is_never_handed_out_twice_even_while_still_free() -> None:
    seen = set(free_ports(50)) | {free_port() for _ in range(50)}
    assert len(seen) == 100
