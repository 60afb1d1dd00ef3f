"""System prompts of the four tasks: shared by the pair builders and the task classifier.

Each prompt names its task in a distinct opening sentence, so routing never depends on words a
user message may contain (the study's classifier scored insights prompts that mentioned
"reengajamento" as push notifications).
"""

TASKS = ("extraction", "sql_qa", "insights", "push")

EXTRACTION_FIELDS = (
    "sentiment",
    "sentiment_score",
    "delivery_issue",
    "product_quality_issue",
    "wrong_or_missing_item",
    "seller_service_issue",
    "complaint_category",
    "would_recommend",
    "churn_risk",
    "summary",
)
SENTIMENTS = ("positivo", "neutro", "negativo")
COMPLAINT_CATEGORIES = ("entrega", "qualidade", "item_errado", "atendimento", "preco", "outro", "nenhuma")
PUSH_MAX_CHARS = 120

SYSTEM_PROMPTS = {
    "extraction": (
        "Tarefa: extração estruturada de avaliações de clientes. "
        "Leia a avaliação e responda somente com um objeto JSON com os campos: "
        "sentiment (positivo|neutro|negativo), sentiment_score (inteiro 1-5), delivery_issue (bool), "
        "product_quality_issue (bool), wrong_or_missing_item (bool), seller_service_issue (bool), "
        "complaint_category (entrega|qualidade|item_errado|atendimento|preco|outro|nenhuma), "
        "would_recommend (bool), churn_risk (número 0-1), summary (texto até 140 caracteres)."
    ),
    "sql_qa": (
        "Tarefa: perguntas de negócio com SQL. "
        "Responda com uma consulta SQL DuckDB sobre o banco commerce.db dentro de um bloco ```sql``` "
        "e uma explicação curta do resultado em português."
    ),
    "insights": (
        "Tarefa: análise estratégica de dados de e-commerce. "
        "Com base no resumo de dados, escreva uma análise estruturada com tópicos e recomendações "
        "de ação concretas para o negócio."
    ),
    "push": (
        "Tarefa: notificação push para cliente. "
        f"Escreva uma única notificação em português com no máximo {PUSH_MAX_CHARS} caracteres, "
        "tom informal e amigável, sem linguagem de e-mail formal."
    ),
}
