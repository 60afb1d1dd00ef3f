"""Output formats the extraction and push tasks ask for: shared by their system prompts, pair
builders, rewards and SFT targets, and the audit's checks. (Each task's system prompt lives in its
package under ``commerce_grpo.tasks``.)
"""

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
