"""Olist-mode review labeller: a review's score and comment → the facts behind its extraction gold.

Olist has no labels for the extraction fields, so they are read off the comment. The labeller sees
exactly what the extraction prompt shows (the score and the message, never the title), so no gold
label rests on text the model cannot read. Labelling rules are those of ``data/labeller/README.md``
(the guide the hand-labelled evaluation set follows); its per-field accuracy on that set is in
``results/pairs/stats.json``. Gold labels are the product spec (L-reward-spec): a wrong label
teaches the model the wrong thing, so each cue below is tested on sentences written for the tests.

How it reads a comment:
1. ``normalise``: lower case, no accents, chat abbreviations and common misspellings expanded
   (q → que, pq → porque, vc → voce, n/ñ → nao, mto → muito, tb/tbm → tambem, ...).
2. Clauses: split at punctuation, line breaks and "mas"/"porem"/"so que"; a negator
   (nao, sem, nenhum, nunca, nem, nada, jamais) up to three words before a *negatable* cue cancels it
   in that clause only ("sem defeito", "nao atrasou", "nao e caro"), so "nao e caro, mas
   quebrou" still flags quality.
3. Cues per topic: negatable ones (defeito, atraso, caro, ...) and cues that already contain
   their negation ("nao chegou", "nao funciona", "ninguem responde").
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

FLAGS = ("delivery_issue", "product_quality_issue", "wrong_or_missing_item", "seller_service_issue",
         "price_issue")
# complaint_category when several flags hold: the first in this order (the guide's rule).
PRIORITY = (("delivery_issue", "entrega"), ("wrong_or_missing_item", "item_errado"),
            ("product_quality_issue", "qualidade"), ("seller_service_issue", "atendimento"),
            ("price_issue", "preco"))
LABEL_FIELDS = (*FLAGS, "complaint_category", "would_recommend")

# Chat abbreviations and frequent misspellings, whole words only (after accents are removed).
WORD_FIXES = {
    "q": "que", "pq": "porque", "vc": "voce", "vcs": "voces", "n": "nao",
    "naum": "nao", "mto": "muito", "mt": "muito", "mta": "muita", "mtos": "muitos",
    "tb": "tambem", "tbm": "tambem", "hj": "hoje", "msg": "mensagem", "msm": "mesmo",
    "blz": "beleza", "td": "tudo", "tds": "todos", "pra": "para", "pro": "para o", "to": "estou",
    "ta": "esta", "vlw": "valeu", "obg": "obrigado", "qdo": "quando", "dps": "depois",
    "nd": "nada", "kd": "cade", "ngm": "ninguem", "ninguen": "ninguem", "recomedo": "recomendo",
    "recomeno": "recomendo", "chego": "chegou", "entraga": "entrega", "atrazou": "atrasou",
    "atrazo": "atraso", "atrazado": "atrasado", "atrazada": "atrasada", "defeto": "defeito",
    "praso": "prazo", "recibi": "recebi", "resebi": "recebi", "prodtuo": "produto",
    "produtu": "produto", "qualidadde": "qualidade", "exelente": "excelente", "vendendor": "vendedor",
    "perfeto": "perfeito", "conpra": "compra", "conprar": "comprar", "conprei": "comprei",
    "dinheiru": "dinheiro", "fucionou": "funcionou", "funcinou": "funcionou", "funciono": "funcionou",
    "reembolco": "reembolso", "correio": "correios", "p": "para",
}
NEGATORS = {"nao", "sem", "nenhum", "nenhuma", "nunca", "nem", "nada", "jamais"}
NEGATION_WINDOW = 3  # words before a negatable cue that a negator may sit in
_CLAUSE_SPLIT = re.compile(r"[.;!?\n,()]+|\b(?:mas|porem|so que|entretanto|contudo|e ainda|alem disso|pra piorar"
                           r"|para piorar|fora isso)\b")


def normalise(text: str) -> str:
    """Lower case, accent-free, abbreviations and misspellings expanded, punctuation kept apart."""
    text = unicodedata.normalize("NFKD", (text or "").lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"(.)\1{2,}", r"\1", text)  # "otimooo" → "otimo", "!!!" → "!"
    text = re.sub(r"([.;!?,()\n])", r" \1 ", text)
    text = re.sub(r"[^a-z0-9.;!?,()\n$ ]+", " ", text)
    return " ".join(WORD_FIXES.get(word, word) for word in text.split(" ") if word)


@dataclass(frozen=True)
class Topic:
    """Cues of one flag: ``plain`` ones are cancelled by a preceding negator, ``explicit`` ones are not
    (they carry their own negation, "nao chegou"); ``veto`` cancels a clause's plain hits."""
    plain: str = ""
    explicit: str = ""
    veto: str = ""


_NOT_DELIVERY_OBJECT = (r"(?! (a nota|nota|o estorno|estorno|o reembolso|reembolso|resposta|retorno|o dinheiro"
                        r"|dinheiro|o valor|todos|todas|tudo|o resto|o restante|a outra|o outro|os itens))")
TOPICS = {
    "delivery_issue": Topic(
        plain=(r"\batras\w*|\bdemor\w*\b(?!( [a-z0-9]+){0,3} (para|a|em) (responder|retornar|resolver|devolver|estornar))"
               r"|\bextravi\w*|\b(passou|passado|fora|depois|alem) (muito )?do prazo"
               r"|\bproblema (com|na) (a )?entrega|\bentrega (lenta|demorada|atrasada)"
               r"|\bprazo (de entrega )?(nao foi cumprido|estourado|vencido)"),
        explicit=(r"\b(nao|nunca) (me |nos )?(chegou|chegaram|chega|recebi|recebemos|recebeu|recebe|recebido"
                  r"|foi entregue|entregaram|entregou|entregue|entregam)" + _NOT_DELIVERY_OBJECT +
                  r"|\bnao chegou|\bainda nao (chegou|recebi|veio)|\bnada (do|de) (produto|pedido|entrega|chegar)"
                  r"|\bate (agora|hoje|o momento) (aguardando|esperando)\b(?! (o|a) (estorno|reembolso|devolucao|resposta|retorno))"
                  r"|\b(fiquei|estou|continuo|sigo) sem (o|meu|a|minha) (produto|pedido|encomenda|compra)"
                  r"|\b(aguardando|esperando) (ate hoje|o produto|o pedido|meu pedido|a entrega|entrega|faz|ha)\b"
                  r"|\bcade (o |meu |a |minha )?(produto|pedido|encomenda|compra)?"
                  r"|\b(depois que|quando|assim que)( [a-z]+){0,3} chegar\b|\b(ia|iria|deveria|era para) chegar"
                  r"|\b(consta|diz|dizendo|mostra|aparece) (que )?(foi |como )?entregue"
                  r"|\b(buscar|retirar|pegar)( [a-z]+){0,2} (na|no|nos|em|ate a|ate o|ate os) (agencia|correios)"
                  r"|\btive que (ir )?(buscar|retirar|pegar)|\b(ir|fui) (nos|no|na|ate os|ate o|ate a|a) (correios|agencia)"
                  r"|\bcasa do vizinho|\bendereco errado|\b(travad|parad|presa|preso)\w* na transportadora"
                  r"|\btransportadora nao (sabe|informa|entrega|da)|\b(pedido|encomenda|pacote|objeto) (esta |ta |ficou )?(parad|travad|pres)\w*|\bera dia \d+ e chegou|\blevou (quase )?(um mes|o dobro|\d+ dias)"),
        # a split delivery's missing part is a missing item, not a late order
        veto=r"\bchegou (antes|no prazo|rapido|certinho)|\b(o|a) (outro|outra|resto|restante|segunda)\b"),
    "product_quality_issue": Topic(
        plain=(r"\bdefeit\w*|\bquebrad\w*|\bquebrou|\btrincad\w*|\briscad\w*|\bfalsificad\w*|\bfalsific\w*"
               r"|\bfragil|\bmal acabad\w*|\bacabamento (e |esta |ficou )?(muito )?(ruim|horrivel|pessimo|inferior|fraco)"
               r"|\b(ma|baixa|pessima|pouca|ruim|inferior|horrivel) qualidade"
               r"|\bqualidade (ruim|pessima|baixa|inferior|horrivel|deixa (muito )?a desejar)"
               r"|\bqualidade [a-z ]{0,25}(inferior|ruim|baixa)\b"
               r"|\bmaterial (e |esta )?(muito |bem )?(fraco|ruim|pessimo|fino)|\b(tecido|material) [a-z ]{0,10}fino demais"
               r"|\bdescasc\w*|\bdesbot\w*|\bmanch\w*|\bavaria\w*|\bveio usad[oa]|\bmarcas de uso|\barranh(ao|oes|ado|ada|ados|adas)\b|\bsuj[oa]\b"
               r"|\b(soltou|rasgou|descolou|furou|enferrujou)\b"
               r"|\bcheiro (muito )?forte|\blixo\b|\bvagabund\w*|\bporcaria|\bpessimo produto"
               r"|\b(menor|maior|diferente|pior) (do )?que (parece|aparece|mostra|na foto|o anunciado)"
               r"|\bdiferente d[ao] (foto|anuncio|imagem|descricao)|\bgato por lebre|\bparou de funcionar"
               r"|\bdeixou de funcionar|\bsem som\b|\bantiaderente (saiu|soltou|descascou)|\bgruda tudo"
               r"|\b(do )?que (mostra|aparece|parece|esta) (no|na) (site|foto|anuncio|imagem)|\b(acabamento|material|tecido|produto) deixa (muito )?a desejar|\bnao original|\bnao e original"),
        explicit=(r"\bnao (funciona\w*|funcionou|liga|ligou|carrega|acende|esquenta|gela|corresponde|serve no modelo|fixa|veda)\b"
                  r"|\bnem (tudo|todos|todas) [a-z ]{0,20}funciona|\bnao gostei d[oa] (material|qualidade|acabamento|tecido)"
                  r"|\bnao tem a mesma qualidade|\besperava (mais|melhor) qualidade")),
    "wrong_or_missing_item": Topic(
        plain=(r"(?<!endereco )\berrad[oa]s?\b|\bfaltou\b|\bfaltando|\bfaltam\b|\bfaltaram\b|\bno lugar d[oa]\b|\bem vez d[eoa]\b|\bfalta (um|uma|o|a|peca|pecas|item|parte)\b"
               r"|\bincomplet\w*|\bcaixa vazia|\bveio (outro|outra|em outra)\b|\bso veio"
               r"|\bveio (so|apenas|somente) (um|uma|o|a|os|as|\d+|metade|parte)\b"
               r"|\bvieram (so |apenas )?\d+|\bveio \d+\b|\b(cor|tamanho|modelo|numero) diferente do que"
               r"|\b(tamanho|modelo) diferente\b|\bveio (em |num |numa )?(outra cor|outro modelo|outro tamanho)"
               r"|\bnao (era|e) o (modelo|produto|item) que|\bdiferente d[ao] que (eu )?(pedi|comprei|escolhi)"
               r"|\b(veio|chegou|mandaram|enviaram) (outro|outra)\b|\b(mandaram|enviaram) \d+\b(?! (dia|dias|semana|semanas))"),
        explicit=(r"\b(veio|chegou|vieram|chegaram) sem (o|a|os|as)\b|\bnao veio (o|a|no|na)\b"
                  r"|\bnao (estava|veio|tinha) (o|a) [a-z ]{1,30} que (eu )?(comprei|pedi)"
                  r"|\b(recebi|chegou|veio) (so|apenas|somente) (um|uma|1|parte|metade|a metade|uma parte|o|a)\b"
                  r"|\bso recebi (um|uma|1|\d+|parte|metade|a metade|uma parte)\b|\b(recebi|veio|chegou) (uma )?parte"
                  r"|\bnao recebi (todos|todas|tudo|o resto|o restante|a outra|o outro|os itens)"
                  r"|\ba (segunda|outra) (parte |entrega )?nunca (veio|chegou)|\b(duas|2|tres|3) entregas"
                  r"|\bo (restante|resto) (disseram|vem|chega|ainda)"),
        veto=r"\b(nota fiscal|manual)\b"),
    "seller_service_issue": Topic(
        plain=(r"\batendimento (e |foi |esta )?(muito )?(pessimo|horrivel|ruim|fraco|lamentavel|demorado|horroroso|porco)"
               r"|\b(pessimo|horrivel|ruim|lamentavel) atendimento|\bvendedor (foi )?(grosso|mal educado|estupido)"
               r"|\b(duas|2) vezes (na fatura|no cartao|no boleto)|\bcobra\w* (a mais|tres|3|quatro|4)\b"
               r"|\b(site|loja|sistema) nao deixa (trocar|devolver|cancelar)"
               r"|\btratou mal|\b(duas|2) vezes no cartao|\bcobr\w* (o frete |em dobro|indevid\w*)?(duas|2) vezes"
               r"|\bcobr\w* (em dobro|indevid\w*)|\bpicaret\w*|\bgolpe\b|\benganac\w*|\bburocracia|\bsumiram"),
        explicit=(r"\bestoque\b|\besgotad\w*|\bestorno|\breembolso|\bcancel\w*|\bduplicidade"
                  r"|\b(nao|nunca) (me )?respond\w*|\bsem (resposta|retorno)|\bnao (tive|obtive|recebi|tenho) (nenhum )?(retorno|resposta)"
                  r"|\bninguem (resolve|respond\w*|me respond\w*|atende|da retorno|me deu retorno|me da|ajuda)"
                  r"|\bnao atend\w*|\bnao resolv\w*|\bnao (querem|quis|aceita\w*) (trocar|devolver)"
                  r"|\bnao trocaram|\bnao consigo (devolver|trocar|cancelar|falar)|\bnao devolv\w*"
                  r"|\bdemor\w*( [a-z0-9]+){0,3} (para|a|em) (responder|retornar|resolver|devolver|estornar)"
                  r"|\b(pedi|solicitei|abri)( a| o| uma)? (troca|devolucao|reclamacao)\b[a-z0-9 ]{0,30}\b(nada|ninguem|nao|sem)\b"
                  r"|\b(devolucao|devolver) (do |o |meu )?(dinheiro|valor)|\bnao pode fazer nada|\bnao explicaram"
                  r"|\b(mandei|enviei|fiz)\b[a-z ]{0,40}\b(e nada|sem resposta|sem retorno)"
                  r"|\b(nao|nunca) (da|deu|dao|deram) (nenhum |nenhuma )?(retorno|resposta)")),
    "price_issue": Topic(
        plain=(r"\b(achei|acho|muito|bem|meio|pouco|e|esta|ficou|saiu|frete|mais|tao|super|bastante|preco|paguei) car[oa]s?\b"
               r"|\bcar[oa] (demais|pelo|para)\b|\bpreco (esta |e |ta )?(alto|abusivo|salgado|elevado|absurdo)"
               r"|\bpreco [a-z ]{0,12}(poderia|podia) ser (menor|mais baixo)|\b(poderia|podia) ser mais barato"
               r"|\bmais barato (em|no|na|num|numa) (outro|outra|outros|outras)|\b(outro|outra) (site|loja|lugar)[a-z ]{0,20} mais barato"
               r"|\bnao compensa|\bsalgad[oa] o preco|\bpreco [a-z ]{0,10}salgad[oa]|\babsurdo de car[oa]"
               r"|\b(simples|pequeno|fraco|ruim) (demais )?(pelo|para o) (preco|valor)"
               r"|\bfrete (e |foi |esta |ficou )?(muito |bem )?(caro|alto|absurdo|abusivo|salgado)|\bnao vale o (preco|que custa|valor)"),
    ),
}
NOT_RECOMMEND = re.compile(
    r"\bnao (recomendo|indico|recomendaria|comprem|compre|vale a pena|volto a comprar|compro mais|comprarei)"
    r"|\bnunca mais (compro|comprarei|volto|compre)|\bfujam|\bnao recomendo")
RECOMMEND = re.compile(
    r"\brecomend(o|aria|amos|adissim\w*|ad[oa])\b|\bindic(o|aria)\b"
    r"|\b(compro|comprarei|compraria) (novamente|de novo)|\b(volto|voltarei) a comprar|\bvale (muito )?a pena|\bpode comprar|\bcompre\w* sem medo")
# A complaint outside the five topics (invoice, manual, packaging) or plain dissatisfaction.
OTHER_COMPLAINT_EXPLICIT = re.compile(r"\b(sem|nao veio|faltou|faltando) (a )?(nota fiscal|manual)")
OTHER_COMPLAINT = re.compile(
    r"\bnota fiscal|\bmanual\b|\bsegunda via|\baplicativo (trava|nao abre|nao funciona)|\bo site nao"
    r"|\bembalagem (era |e )?(enorme|exagerada|grande demais)"
    r"|\b(embalagem|caixa) [a-z ]{0,25}(rasgad|amassad|danificad|molhad|violad|detonad|destruid|estragad)\w*"
    r"|\breclamacao\b|\bponto negativo"
    r"|\bnao gostei|\bpessim\w*|\bruim\b|\bdecepc\w*|\binsatisf\w*|\bhorrivel|\babsurdo")


def clauses(normalised: str) -> list[str]:
    return [c.strip() for c in _CLAUSE_SPLIT.split(normalised) if c and c.strip()]


def _negated(clause: str, start: int) -> bool:
    before = clause[:start].split()[-NEGATION_WINDOW:]
    return any(word in NEGATORS for word in before)


def _plain_hit(pattern: re.Pattern, clause: str) -> bool:
    return any(not _negated(clause, m.start()) for m in pattern.finditer(clause))


_COMPILED = {name: (re.compile(t.plain) if t.plain else None, re.compile(t.explicit) if t.explicit else None,
                    re.compile(t.veto) if t.veto else None) for name, t in TOPICS.items()}


def label_review(score: int, message: str | None) -> dict:
    """The labelled fields (``LABEL_FIELDS``) for a review of ``score`` stars with comment ``message``."""
    text = normalise(message or "")
    parts = clauses(text)
    flags = {}
    for name, (plain, explicit, veto) in _COMPILED.items():
        kept = [c for c in parts if not (veto and veto.search(c))]
        flags[name] = any((explicit and explicit.search(c)) or (plain and _plain_hit(plain, c)) for c in kept)
    category = next((cat for flag, cat in PRIORITY if flags[flag]), None)
    if category is None:
        complains = (score <= 2 or bool(OTHER_COMPLAINT_EXPLICIT.search(text))
                     or any(_plain_hit(OTHER_COMPLAINT, c) for c in parts))
        category = "outro" if complains and text.strip() else "nenhuma"
    if NOT_RECOMMEND.search(text):
        recommend = False
    elif any(_plain_hit(RECOMMEND, c) for c in parts):
        recommend = True
    else:
        recommend = score >= 4
    return flags | {"complaint_category": category, "would_recommend": recommend}
