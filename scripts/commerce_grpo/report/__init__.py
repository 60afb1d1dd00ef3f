"""The final report: the answer first, then its test plan, statistics, diagnosis and figures, written
to results/final_report.{md,json} with the effective config beside them.

``build.build_report`` is the rule's one call; ``inputs`` reads, ``scores`` holds the per-prompt
scores of every arm (pooled arms included), ``plan`` runs the declared test plan, ``summary`` writes
the answer, ``noise`` and ``blindness`` measure sampling noise and whether gains read the input,
``analysis`` concludes, ``markdown`` and ``figures`` render, ``provenance`` says where the run came
from.
"""
