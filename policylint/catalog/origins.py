"""Where each policy of a catalog comes from: the built-in catalog, its TWGCB pack, an
installed pack (by its entry point's name) or a policy directory of the user's (the file,
relative to the working directory). Never an absolute path of the machine."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from policylint.catalog.policies import Catalog, builtin_policy_dir


class Origin(NamedTuple):
    kind: str  # "built-in", "twgcb", "pack" or "directory"
    name: str = ""  # a pack's name; a directory's policy file

    def text(self) -> str:
        return {"pack": f"pack {self.name}", "directory": self.name}.get(self.kind, self.kind)

    def as_dict(self) -> dict[str, str]:
        key = {"pack": "name", "directory": "path"}.get(self.kind)
        return {"kind": self.kind, key: self.name} if key else {"kind": self.kind}


def policy_origins(catalog: Catalog, packs: Sequence[tuple[str, Path]]) -> dict[str, Origin]:
    """Each policy's origin, by id; ``packs``: the installed packs' names and directories."""
    builtin = builtin_policy_dir().resolve()
    resolved = [(name, directory.resolve()) for name, directory in packs]
    return {pid: _origin(Path(policy.source).resolve(), builtin, resolved) for pid, policy in catalog.policies.items()}


def _origin(path: Path, builtin: Path, packs: Sequence[tuple[str, Path]]) -> Origin:
    if path.is_relative_to(builtin / "twgcb"):
        return Origin("twgcb")
    if path.is_relative_to(builtin):
        return Origin("built-in")
    for name, directory in packs:
        if path.is_relative_to(directory):
            return Origin("pack", name)
    from policylint.load.sources import display_name

    return Origin("directory", display_name(Path(os.path.relpath(path)).as_posix()))
