"""The four tasks the shared test fixtures build records and answers for (registry order).

Tests of those tasks' behaviour iterate these; tests of the registry itself use
``commerce_grpo.tasks.REGISTRY``, which a later task plug-in extends.
"""
TASKS = ("extraction", "sql_qa", "insights", "push")
