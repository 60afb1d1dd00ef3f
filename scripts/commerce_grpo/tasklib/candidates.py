"""What every task builder yields, and the round-robin that makes the stream stratified."""
from dataclasses import dataclass, field
from typing import Callable, Iterator


@dataclass(frozen=True)
class Candidate:
    """One prompt before it is given an id and a split.

    ``keys`` are the order/customer ids that must never appear on both sides of the eval split;
    ``meta`` feeds the coverage statistics (category, state, intent, ...), not the record.
    """
    user: str
    reference: dict
    source: dict
    keys: tuple[str, ...] = ()
    meta: dict = field(default_factory=dict)


def interleave(strata: dict, make: Callable[[object, object], Candidate | None]) -> Iterator[Candidate]:
    """Yield one candidate from each stratum in turn (in the given order) until all run out.

    ``strata`` maps a stratum to its (already shuffled) items; ``make(stratum, item)`` builds the
    candidate lazily and may return None to skip an item (e.g. an empty query result); the
    stratum's turn then goes to its next item, so every turn yields one candidate per stratum.
    """
    iterators = {name: iter(items) for name, items in strata.items()}
    while iterators:
        for name in list(iterators):
            cand = next((c for c in (make(name, item) for item in iterators[name]) if c is not None), None)
            if cand is None:
                del iterators[name]
            else:
                yield cand
