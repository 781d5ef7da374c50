from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests check behaviour, not speed: on a loaded CI machine, hypothesis's timing checks
# (a slow example, slow input generation) fail tests that are correct.
settings.register_profile("dedup", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("dedup")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def seed_articles():
    from dedup.read import read_paths

    return {a.id[:3]: a for a in read_paths([SEEDS]).articles}
