"""Shared fixtures: the repository root, and a tiny deterministic torch setting for every test."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _small_torch():
    torch.set_num_threads(1)  # two cores, several tests: one thread each is faster and repeatable
    yield


@pytest.fixture
def repo_root() -> Path:
    return REPO
