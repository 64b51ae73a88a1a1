"""A TCP relay in front of a server, to take the server away from its clients for a while.

``cut()`` closes every open connection and refuses new ones, as a store that went away does;
``restore()`` lets clients in again. The server behind keeps its state (moto's S3 is in memory).
"""

from __future__ import annotations

import contextlib
import socket
import threading


class Relay:
    def __init__(self, port: int, target_port: int, host: str = "127.0.0.1") -> None:
        self.port, self.target_port, self.host = port, target_port, host
        self._open = threading.Event()
        self._open.set()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None

    def start(self) -> None:
        self._listen()
        threading.Thread(target=self._accept, daemon=True).start()

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(128)
        listener.settimeout(0.2)
        self._listener = listener

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._stopping.is_set():
                    return
                continue
            if not self._open.is_set():
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                client.close()  # a reset: the same as a port nobody listens on
                continue
            try:
                upstream = socket.create_connection((self.host, self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._connections |= {client, upstream}
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with self._lock:
                    self._connections.discard(s)
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def cut(self) -> None:
        self._open.clear()
        with self._lock:
            connections, self._connections = list(self._connections), set()
        for s in connections:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def restore(self) -> None:
        self._open.set()

    def stop(self) -> None:
        self._stopping.set()
        self.cut()
        if self._listener:
            self._listener.close()
