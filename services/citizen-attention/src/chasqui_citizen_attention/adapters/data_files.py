"""Municipal data files: YAML files named `<ubigeo>-<name>.yaml`, read from the package's own
`data/municipalities` folder and any folders the settings add."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PACKAGED = Path(__file__).parents[1] / "data" / "municipalities"


@dataclass(frozen=True)
class DataFile:
    path: Path
    content: Any


def read_data_files(extra_dirs: Iterable[Path] = ()) -> list[DataFile]:
    """Every `*.yaml` file of the packaged folder, then of `extra_dirs` (in order: a later file for
    the same municipality replaces an earlier one). A file that is not YAML raises yaml.YAMLError."""
    files: list[DataFile] = []
    for folder in (PACKAGED, *extra_dirs):
        for path in sorted(Path(folder).glob("*.yaml")):
            files.append(DataFile(path, yaml.safe_load(path.read_text(encoding="utf-8"))))
    return files
