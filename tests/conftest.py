from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def seed_articles():
    from dedup.read import read_paths

    return {a.id[:3]: a for a in read_paths([SEEDS]).articles}
