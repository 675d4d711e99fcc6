"""requirements.lock (what .ci/run installs) pins every dependency pyproject.toml names, at a
version inside its range: the ranges and the lock cannot drift apart unnoticed. Regenerate it
with the command at the top of the lock after changing a range or adding a dependency."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;]+)", re.MULTILINE)


def declared() -> list[Requirement]:
    project = PYPROJECT["project"]
    extras = project["optional-dependencies"]
    return [Requirement(r) for r in project["dependencies"] + extras["test"] + extras["docs"]]


def pins() -> dict[str, str]:
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


def test_the_lock_was_compiled_with_the_test_and_docs_extras():
    header = (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()[1]
    assert "uv pip compile pyproject.toml --extra test --extra docs" in header


@pytest.mark.parametrize("requirement", declared(), ids=str)
def test_every_dependency_is_pinned_inside_its_range(requirement):
    pinned = pins().get(canonicalize_name(requirement.name))
    assert pinned is not None, f"{requirement.name} is not in requirements.lock; recompile it"
    assert requirement.specifier.contains(pinned, prereleases=True), (
        f"requirements.lock pins {requirement.name}=={pinned}, outside {requirement.specifier}"
    )
