"""Every command is documented in the README and has help (as sqlite-utils checks it)."""

import pytest
from typer.testing import CliRunner

from dedup.cli import app
from tests.conftest import ROOT

COMMANDS = [c.name for c in app.registered_commands]
# Sub-apps (``dedup index add``): each of their commands, as "index add".
COMMANDS += [f"{g.name} {c.name}" for g in app.registered_groups for c in g.typer_instance.registered_commands]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_there_are_commands():
    assert {"scan", "compare", "check", "index add", "index remove", "index stats"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_command_has_help_and_is_in_the_readme(name):
    result = CliRunner().invoke(app, [*name.split(), "--help"])
    assert result.exit_code == 0 and "Usage" in result.stdout
    assert f"dedup {name} " in README


def test_readme_opens_with_the_two_commands():
    first_block = README.split("```")[1]
    assert "pip install -e . && dedup scan seeds/" in first_block
    assert 'pip install -e ".[test]" && python -m pytest' in first_block
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install -e ".[test]" && python -m pytest' in ci.splitlines()
