"""sql_qa: a business question → a DuckDB query over commerce.db in a ```sql``` block, explained in PT-BR.

``builder`` makes the questions from templates and runs their gold queries on commerce.db,
``target`` is the honest answer (the gold query and its explanation), ``reward`` and
``study_reward`` execute an answer's query in the sandbox and score it under each preset,
``audit`` gives the audit its hacks and partly right answers. Validation logs the
executes-and-matches rate (the query's result equals the gold result).
"""
from __future__ import annotations

import re

from commerce_grpo.tasks.spec import TaskSpec

from . import reward, study_reward
from .audit import adversarial, variants
from .builder import candidates
from .red_team import equivalents, red_team
from .target import target

SYSTEM_PROMPT = (
    "Tarefa: perguntas de negócio com SQL. "
    "Responda com uma consulta SQL DuckDB sobre o banco commerce.db dentro de um bloco ```sql``` "
    "e uma explicação curta do resultado em português."
)


TASK = TaskSpec(
    name="sql_qa",
    system_prompt=SYSTEM_PROMPT,
    candidates=candidates,
    target=target,
    rewards={"correctness": reward, "study": study_reward},
    weights={
        # The result against gold is the core; nothing a multi-column shotgun can collect.
        "correctness": {"result_match": 0.70, "executes": 0.10, "explanation": 0.10, "numbers": 0.10},
        # Execution against commerce.db carries most of the weight; the study's four tiers
        # (0.30/0.25/0.25/0.20, scaled to 0.35) remain as partial credit.
        "study": {"result_match": 0.45, "executes": 0.20, "sql_structure": 0.105, "query_explanation": 0.0875,
                  "numbers": 0.0875, "domain": 0.07},
    },
    in_format=reward.in_format,
    validation_metric=("sql_qa_exec_match_rate",
                       lambda text, components: float(components.get("result_match", 0.0) >= 1.0)),
    fallback=re.compile(r"\bsql\b|consulta|\bselect\b"),
    adversarial=adversarial,
    rater_facts=lambda record: {"gold_result": {"columns": record["reference"].get("columns"),
                                                "rows": record["reference"].get("rows")}},
    variants=variants,
    meta_keys=("category", "state", "template"),
    kind=lambda record: record["source"]["template"],
    red_team=red_team,
    equivalents=equivalents,
)
