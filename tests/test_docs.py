"""Docs that are generated from code stay current."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_configuration_page_is_current():
    spec = importlib.util.spec_from_file_location("gen", ROOT / "scripts" / "gen_config_docs.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert (ROOT / "docs" / "configuration.md").read_text() == gen.render(), \
        "run: .venv/bin/python scripts/gen_config_docs.py"


def test_readme_shows_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
