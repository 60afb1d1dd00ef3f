"""commerce-grpo: SFT + GRPO post-training of a small Portuguese LLM for Brazilian e-commerce.

Organised by pipeline stage: ``data`` (commerce.db, pairs), ``rewards`` (the product spec),
``modeling`` (backends, the embedded tiny model), ``train`` (SFT, GRPO, checkpoint selection),
``evaluate``, ``stats`` and ``report``. Rule scripts in ``scripts/`` only translate Snakemake's
inputs, outputs and params into one call here.
"""
