"""The study's reward, kept as the named preset ``rewards.preset: study``.

These are the components and weights the published recipe trained with (keyword tiers, format
credit, the V4.2.1 hotfixes), so that the recipe can be reproduced as published. They pay for
answers that ignore the input or the task (L-reward-spec); the default preset, ``correctness``
(the modules one level up), is the one that measures whether an answer is right.
"""
