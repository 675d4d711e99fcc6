"""Build hook: compile the message catalogs (memberctl/locale/*/LC_MESSAGES/*.po -> .mo).

The .po files are the source of truth and are committed; the .mo files are build output
(.gitignore) shipped in the wheel as artifacts. Runs for `pip install .` and `pip install -e .`
(the editable install reads the .mo written next to the .po). Babel is a build requirement only.
In a checkout, `pybabel compile -d memberctl/locale -D memberctl` refreshes the .mo by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def compile_catalogs(root: Path) -> list[Path]:
    """Write a .mo beside every .po under memberctl/locale; fuzzy entries are left out."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted((root / "memberctl" / "locale").glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name, domain=po.stem)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as target:
            write_mo(target, catalog, use_fuzzy=False)
        written.append(mo)
    return written


class CatalogBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:  # noqa: ARG002
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        for mo in compile_catalogs(root):
            build_data["artifacts"].append(mo.relative_to(root).as_posix())
