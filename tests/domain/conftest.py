"""Property tests keep their example database inside pytest's cache folder.

A `.hypothesis` folder at the top of the tree would make pytest warn while collecting (the
project's `norecursedirs` replaces pytest's default ignores), and warnings fail the run.
"""

from __future__ import annotations

import pytest
from hypothesis.configuration import set_hypothesis_home_dir


def pytest_configure(config: pytest.Config) -> None:
    if config.cache is not None:
        set_hypothesis_home_dir(config.cache.mkdir("hypothesis"))
