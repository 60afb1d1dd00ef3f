"""Training: SFT warm-up, GRPO per seed, checkpoint selection and the callbacks they share.

Every recipe value comes from the config sections passed in (``model``, ``lora``, ``sft``,
``grpo``) and is mapped onto TRL's config objects in exactly one place per trainer.
"""
