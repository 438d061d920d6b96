import os

import numpy as np
import pytest
from hypothesis import settings

# CI runs the same hypothesis examples every time (a red CI must mean a
# change broke something); HYPOTHESIS_PROFILE=explore draws new ones.
settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def rng():
    return np.random.default_rng(0)
