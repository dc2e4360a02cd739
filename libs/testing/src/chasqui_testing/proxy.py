"""A TCP proxy that can stop answering: the services' PostgreSQL connections hang, not drop.

A database that hangs is worse than one that is down: a refused connection fails fast, but a
connection whose peer stops answering keeps a statement, a pool slot and a consumer batch waiting
until a timeout fires. `freeze()` stops moving bytes in both directions and leaves every socket
open (new connections are accepted by the kernel and wait too); `thaw()` lets the held bytes flow
again, as after a network partition heals or a stalled storage volume recovers.
"""

from __future__ import annotations

import select
import socket
import threading
from contextlib import suppress

_CHUNK = 65_536
_POLL_S = 0.2


class HangingProxy:
    """Forward 127.0.0.1:`port` to 127.0.0.1:`upstream` until frozen."""

    def __init__(self, port: int, upstream: int) -> None:
        self.port = port
        self.upstream = upstream
        self._running = threading.Event()  # set while bytes may move
        self._running.set()
        self._closed = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", port), backlog=256)
        self._listener.settimeout(_POLL_S)
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.connections = 0
        threading.Thread(target=self._accept, name="hanging-proxy", daemon=True).start()

    def freeze(self) -> None:
        """Stop answering: no byte moves and no new connection reaches upstream until `thaw()`."""
        self._running.clear()

    def thaw(self) -> None:
        self._running.set()

    @property
    def frozen(self) -> bool:
        return not self._running.is_set()

    def close(self) -> None:
        self._closed.set()
        self._running.set()
        with suppress(OSError):
            self._listener.close()
        with self._lock:
            for sock in list(self._sockets):
                with suppress(OSError):
                    sock.close()

    def _wait_running(self) -> bool:
        """Wait while frozen; False when the proxy is closing."""
        while not self._running.wait(_POLL_S):
            if self._closed.is_set():
                return False
        return not self._closed.is_set()

    def _accept(self) -> None:
        while not self._closed.is_set():
            if not self._wait_running():
                return
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(("127.0.0.1", self.upstream), timeout=10)
        except OSError:
            client.close()
            return
        with self._lock:
            self._sockets.update((client, server))
            self.connections += 1
        for source, target in ((client, server), (server, client)):
            threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while self._wait_running():
                readable, _, _ = select.select([source], [], [], _POLL_S)
                if not readable or not self._wait_running():
                    continue
                data = source.recv(_CHUNK)
                if not data:
                    break
                # Bytes read just before a freeze are held here until the thaw, like a stalled link.
                if not self._wait_running():
                    break
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                with suppress(OSError):
                    sock.close()
            with self._lock:
                self._sockets.difference_update((source, target))
