"""sql_qa: the query found wherever it is, executed against commerce.db, its result against gold;
the study preset keeps the tiers as partial credit."""
import pytest

from commerce_grpo.rewards import score
from commerce_grpo.rewards.sql_compare import match_with_extra_columns, results_match, value_overlap
from commerce_grpo.rewards.sql_qa import extract_sql

STUDY = {"preset": "study"}

GOLD_SQL = "SELECT customer_state, COUNT(*) AS pedidos FROM orders_enriched GROUP BY customer_state ORDER BY pedidos DESC"
REF = {"sql": GOLD_SQL, "columns": ["customer_state", "pedidos"], "rows": [], "explanation": "Pedidos por estado."}
CORRECT = ("```sql\nSELECT customer_state AS uf, COUNT(order_id) AS n\nFROM orders_enriched\nGROUP BY 1\nORDER BY uf;\n```\n"
           "A consulta conta os pedidos de cada estado; cada estado tem 25 pedidos no total.")
PROSE = ("Para isso eu faria um SELECT na tabela de pedidos agrupando por estado com COUNT e ORDER BY, "
         "depois mostraria o total de pedidos por estado e o faturamento.")


@pytest.fixture
def rec(record):
    return record("sql_qa", "Quantos pedidos por estado?", REF, template="orders_by_state")


@pytest.mark.parametrize("config", [STUDY, None])
def test_matching_sql_beats_sql_looking_prose(rec, commerce_db, config):
    good = score(rec, CORRECT, db=commerce_db, config=config)
    prose = score(rec, PROSE, db=commerce_db, config=config)
    assert good.components["result_match"] == 1.0 and good.components["executes"] == 1.0
    assert prose.components["executes"] == 0.0
    assert good.total >= 0.85 > 0.35 >= prose.total
    if config is None:
        assert good.total == 1.0 and prose.total == 0.0


@pytest.mark.parametrize("text", [
    "Consulta: SELECT customer_state, COUNT(*) AS n FROM orders_enriched GROUP BY 1\n\nSão 25 pedidos em cada estado do cliente.",
    "A consulta `SELECT customer_state, COUNT(*) FROM orders_enriched GROUP BY 1` conta 25 pedidos por estado do cliente.",
    "Para responder, rodei SELECT customer_state, COUNT(*) FROM orders_enriched GROUP BY 1. Cada estado tem 25 pedidos no total.",
    "SELECT customer_state, COUNT(*) FROM orders_enriched GROUP BY 1\nCada estado tem 25 pedidos no total da base.",
    "```\nSELECT customer_state, COUNT(*) FROM orders_enriched GROUP BY 1\n```\nCada estado tem 25 pedidos no total da base.",
])
def test_a_correct_query_counts_wherever_it_is(rec, commerce_db, text):
    reward = score(rec, text, db=commerce_db)
    assert reward.components["result_match"] == 1.0, text
    assert reward.components["explanation"] == 1.0 and reward.total >= 0.9, dict(reward.components)


@pytest.mark.parametrize("text", [
    "```sql\nSELECT estado FROM pedidos\n```\nConta os pedidos de cada estado do cliente.",  # errors
    "```sql\nSELECT 1; DROP TABLE orders\n```\nConta os pedidos de cada estado do cliente.",  # hostile
    "```sql\nCOPY orders TO '/tmp/x.csv'\n```\nConta os pedidos de cada estado do cliente.",
    "```sql\nSELECT 25 AS pedidos\n```\nCada estado tem 25 pedidos no total da base.",  # reads no table
    '{"sentiment": "neutro", "sentiment_score": 3}',
])
def test_hostile_erroring_or_off_task_answers_score_zero(rec, commerce_db, text):
    assert score(rec, text, db=commerce_db).total == 0.0


def test_result_comparison_ignores_order_and_names_and_tolerates_rounding(record, commerce_db):
    ref = {"sql": "SELECT customer_state, AVG(total_paid) FROM orders_enriched GROUP BY 1"}
    rec = record("sql_qa", "Ticket médio por estado", ref)
    rounded = "SELECT ROUND(AVG(total_paid), 2) AS media, customer_state AS uf FROM orders_enriched GROUP BY uf ORDER BY media"
    assert score(rec, rounded, db=commerce_db).components["result_match"] == 1.0
    wrong = "SELECT customer_state, SUM(total_paid) FROM orders_enriched GROUP BY 1"
    assert score(rec, wrong, db=commerce_db).components["result_match"] < 0.5


def test_extra_columns_get_most_of_the_credit_in_the_study_preset(rec, commerce_db):
    extra = "SELECT customer_state, COUNT(*), AVG(total_paid) FROM orders_enriched GROUP BY 1"
    assert score(rec, extra, db=commerce_db, config=STUDY).components["result_match"] == 0.9


def test_extra_numeric_columns_are_a_shotgun_and_earn_nothing(rec, commerce_db):
    extra = "SELECT customer_state, COUNT(*), AVG(total_paid) FROM orders_enriched GROUP BY 1"
    shotgun = score(rec, extra + "\n\nUma das colunas responde à pergunta sobre pedidos.", db=commerce_db)
    assert shotgun.components["result_match"] == 0.0 and shotgun.total < 0.3
    label = "SELECT customer_state, 'pedidos' AS o_que, COUNT(*) FROM orders_enriched GROUP BY 1"
    assert score(rec, label, db=commerce_db).components["result_match"] == 0.9


def test_gold_is_reexecuted_on_the_db_not_read_from_stored_rows(record, commerce_db):
    ref = {**REF, "rows": [["XX", 999]]}  # stale rows from another database
    rec = record("sql_qa", "Pedidos por estado", ref)
    assert score(rec, CORRECT, db=commerce_db).components["result_match"] == 1.0


def test_without_db_execution_is_a_parse_check(rec):
    assert score(rec, GOLD_SQL).components["result_match"] == 1.0  # same query as gold
    other = score(rec, "SELECT customer_state, COUNT(order_id) FROM orders_enriched GROUP BY 1")
    assert other.components["executes"] == 1.0 and other.components["result_match"] == 0.0
    assert score(rec, "SELECT FROM WHERE").components["executes"] == 0.0


def test_without_db_stored_rows_grade_the_cited_numbers(record):
    rec = record("sql_qa", "Pedidos?", {"sql": "SELECT COUNT(*) FROM orders", "rows": [[150]]})
    right, wrong = ("SELECT COUNT(*) FROM orders;\n\nSão 150 pedidos no total da base.",
                    "SELECT COUNT(*) FROM orders;\n\nSão 151 pedidos no total da base.")
    assert score(rec, right, config=STUDY).components["numbers"] == 1.0
    assert score(rec, wrong, config=STUDY).components["numbers"] == 0.5
    assert score(rec, right).components["numbers"] == 1.0
    assert score(rec, wrong).components["numbers"] == 0.0


def test_cited_numbers_count_only_beside_a_matching_query(record, commerce_db):
    rec = record("sql_qa", "Pedidos?", {"sql": "SELECT COUNT(*) FROM orders"})
    guessed = score(rec, "SELECT COUNT(*) FROM customers WHERE customer_state = 'SP'\n\nSão 150 pedidos na base.",
                    db=commerce_db)
    assert guessed.components["numbers"] == 0.0 and guessed.components["result_match"] == 0.0


def test_tiers_are_partial_credit_when_sql_fails_in_the_study_preset(rec, commerce_db):
    broken = "```sql\nSELECT estado, COUNT(*) FROM pedidos GROUP BY estado;\n```\nConta os pedidos de cada estado do cliente."
    reward = score(rec, broken, db=commerce_db, config=STUDY)
    assert reward.components["executes"] == 0.0
    assert reward.components["sql_structure"] == 1.0 and reward.components["query_explanation"] == 1.0
    assert 0 < reward.total < score(rec, CORRECT, db=commerce_db, config=STUDY).total


@pytest.mark.parametrize("text,expected", [
    ("```sql\nSELECT 1\n```\nexplicação", "SELECT 1"),
    ("```\nWITH a AS (SELECT 1) SELECT * FROM a\n```", "WITH a AS (SELECT 1) SELECT * FROM a"),
    ("Veja:\nSELECT a\nFROM b;\nIsso mostra o total.", "SELECT a\nFROM b"),
    ("SELECT 1; DROP TABLE orders", "SELECT 1; DROP TABLE orders"),
    ("SET threads = 8;\nSELECT 1;", "SET threads = 8;\nSELECT 1"),
    ("Eu faria um SELECT por estado.", None),
    ("Consulta: SELECT COUNT(*) FROM orders\n\nSão 150.", "SELECT COUNT(*) FROM orders"),
    ("Rodei `SELECT COUNT(*) FROM orders` e deu 150.", "SELECT COUNT(*) FROM orders"),
    ("Rodei SELECT COUNT(*) FROM orders. Deu 150 pedidos.", "SELECT COUNT(*) FROM orders"),
    ("SELECT COUNT(*)\nFROM orders\nSão 150 pedidos.", "SELECT COUNT(*)\nFROM orders"),
    ("Use a consulta abaixo:\nSELECT COUNT(*) FROM orders\n\nSão 150.", "SELECT COUNT(*) FROM orders"),
])
def test_extract_sql(text, expected):
    assert extract_sql(text)[0] == expected


def test_compare_helpers():
    assert results_match([(1.0, "a"), (2.0, "b")], [("b", 2.0), ("a", 1.0004)], rel_tol=1e-3, abs_tol=5e-3)
    assert not results_match([(1.0, "a")], [(1.0, "a"), (1.0, "a")], rel_tol=1e-3, abs_tol=5e-3)
    assert not results_match([(1.1, "a")], [(1.0, "a")], rel_tol=1e-3, abs_tol=5e-3)
    assert match_with_extra_columns([(1.0, "a", 9.0)], [("a", 1.0)], rel_tol=1e-3, abs_tol=5e-3)
    assert value_overlap([(1.0, 2.0)], [(1.0, 3.0)]) == 0.5 and value_overlap([], [(1.0,)]) == 0.0
