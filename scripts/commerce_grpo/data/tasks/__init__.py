"""One builder per task. Each exposes ``candidates(con, rng)``: an iterator of ``Candidate``s in
stratified, interleaved order, computed lazily so the cost grows with the pairs requested."""
