import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "data" / "examples"
SHARED = ROOT.parent / "shared" / "rulebooks"


def example_bytes(scheme: str, name: str = "conformant") -> bytes:
    return (EXAMPLES / scheme / f"{name}.json").read_bytes()


@pytest.fixture
def example():
    return example_bytes
