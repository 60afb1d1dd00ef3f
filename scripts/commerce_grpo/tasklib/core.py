"""The value every reward returns, and the one rule that turns components into a total."""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping


@dataclass(frozen=True)
class Reward:
    """A scored completion: ``total`` in [0, 1] and the named components it was built from.

    Components are each in [0, 1]. Penalty components (weight < 0) are 1 when the penalty applies.
    ``total == clip(sum(weight[c] * components[c]), 0, 1)`` — the same sum TRL computes from the
    per-component reward functions, so training and evaluation optimise one objective.
    """

    total: float
    components: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "components", MappingProxyType(dict(self.components)))


def clip01(value: float) -> float:
    """Clamp to [0, 1]; NaN (a bug upstream) becomes 0 rather than poisoning a batch mean."""
    if value != value:  # NaN
        return 0.0
    return 0.0 if value < 0.0 else 1.0 if value > 1.0 else float(value)


def combine(components: Mapping[str, float], weights: Mapping[str, float]) -> Reward:
    """Weighted sum of the components (penalties carry negative weights), clipped to [0, 1]."""
    clean = {name: clip01(components.get(name, 0.0)) for name in weights}
    total = sum(weights[name] * value for name, value in clean.items())
    # Rounded so that weights summing to 1 give a perfect answer exactly 1.0 (0.7 + 0.1 + 0.1 + 0.1
    # is 0.9999999999999999 in floating point).
    return Reward(total=clip01(round(total, 12)), components=clean)
