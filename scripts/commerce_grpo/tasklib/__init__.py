"""The library tasks are built from: what several task packages share, below every task.

``candidates`` (what a pair builder yields, the stratified round-robin), ``prompts`` (the output
formats extraction and push ask for), ``core`` (the ``Reward`` type and the weighted sum),
``errors`` (the counter of rewards that raised), ``parsing`` (JSON a small model meant to write),
``numbers`` (PT-BR numbers in text), ``text`` (language, fluency, copying), ``vocab`` (the word
lists), and the SQL sandbox (``sql_sandbox``, ``sql_worker``, ``sql_snapshot``) with the result
comparison (``sql_compare``).

The rule (tests/test_layers.py keeps it): a module here imports only this library and the data
stage's commerce.db modules, never the task registry, a task or anything above them.
"""
