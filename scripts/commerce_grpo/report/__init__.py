"""The final report: statistics, diagnosis, figures and results/final_report.{md,json}.

``build.build_report`` is the rule's one call; ``inputs`` reads, ``analysis`` concludes,
``markdown`` and ``figures`` render, ``provenance`` says where the run came from.
"""
