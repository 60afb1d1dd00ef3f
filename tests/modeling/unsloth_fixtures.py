"""The ``fake_unsloth`` fixture: tests/fakes/unsloth importable as ``unsloth``, CUDA "present".

Only what needs CUDA is faked: ``unsloth_first.unsloth_usable`` (the CUDA check) and the unsloth
package itself. torch stays on CPU, so the TRL configs are the CPU ones. Afterwards TRL's names are
restored and the fake is dropped, so other tests see plain TRL.
"""
import sys
from pathlib import Path

import pytest

FAKES = Path(__file__).resolve().parents[1] / "fakes"


@pytest.fixture
def fake_unsloth(monkeypatch):
    """A function returning the imported fake module (after the code under test imported it)."""
    sys.modules.pop("unsloth", None)
    monkeypatch.syspath_prepend(str(FAKES))
    monkeypatch.setattr("commerce_grpo.unsloth_first.unsloth_usable", lambda: True)
    yield lambda: sys.modules["unsloth"]
    fake = sys.modules.pop("unsloth", None)
    if fake is not None:
        fake.restore_trl()
