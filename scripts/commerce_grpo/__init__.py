"""commerce-grpo: SFT + GRPO post-training of a small Portuguese LLM for Brazilian e-commerce.

Organised in layers that only point down: ``tasklib`` (what the tasks share: parsing, text
checks, the SQL sandbox, the ``Reward`` type) and ``data`` (commerce.db); ``tasks`` (one package
per task: pairs, answer, rewards, audit; and the registry); then the stages that iterate the
registry: ``data.pairs`` (pair files), ``rewards`` (score, presets, TRL functions, judge),
``audit``, ``modeling`` (backends, the embedded tiny model), ``train`` (SFT, GRPO, checkpoint
selection), ``evaluate``, ``stats`` and ``report``. Rule scripts in ``scripts/`` only translate
Snakemake's inputs, outputs and params into one call here.
"""
