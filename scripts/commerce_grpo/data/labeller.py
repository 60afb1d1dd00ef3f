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

import numpy as np

FLAGS = ("delivery_issue", "product_quality_issue", "wrong_or_missing_item", "seller_service_issue",
         "price_issue")
# complaint_category when several flags hold: the first in this order (the guide's rule).
PRIORITY = (("delivery_issue", "entrega"), ("wrong_or_missing_item", "item_errado"),
            ("product_quality_issue", "qualidade"), ("seller_service_issue", "atendimento"),
            ("price_issue", "preco"))
LABEL_FIELDS = (*FLAGS, "complaint_category", "would_recommend")
RULES_ORIGIN = "heuristic"  # review_facts.origin of a row these rules labelled
# churn_risk (the guide): a base by score, +0.10 without a recommendation, +0.05 per true flag.
CHURN_BASE = {5: 0.08, 4: 0.2, 3: 0.45, 2: 0.7, 1: 0.85}

# Chat abbreviations and frequent misspellings, whole words only (after accents are removed).
WORD_FIXES = {
    "q": "que", "pq": "porque", "vc": "voce", "vcs": "voces", "n": "nao",
    "naum": "nao", "mto": "muito", "mt": "muito", "mta": "muita", "mtos": "muitos",
    "tb": "tambem", "tbm": "tambem", "hj": "hoje", "msg": "mensagem", "msm": "mesmo",
    "blz": "beleza", "td": "tudo", "tds": "todos", "pra": "para", "pro": "para o", "to": "estou",
    "ta": "esta", "vlw": "valeu", "obg": "obrigado", "qdo": "quando", "qndo": "quando", "qnd": "quando", "dps": "depois",
    "nd": "nada", "kd": "cade", "ngm": "ninguem", "ninguen": "ninguem", "recomedo": "recomendo",
    "recomeno": "recomendo", "chego": "chegou", "entraga": "entrega", "atrazou": "atrasou",
    "atrazo": "atraso", "atrazado": "atrasado", "atrazada": "atrasada", "defeto": "defeito",
    "praso": "prazo", "recibi": "recebi", "resebi": "recebi", "prodtuo": "produto",
    "produtu": "produto", "qualidadde": "qualidade", "exelente": "excelente", "vendendor": "vendedor",
    "perfeto": "perfeito", "conpra": "compra", "conprar": "comprar", "conprei": "comprei",
    "dinheiru": "dinheiro", "priduto": "produto", "extorno": "estorno", "fucionou": "funcionou", "funcinou": "funcionou", "funciono": "funcionou",
    "reembolco": "reembolso", "correio": "correios", "p": "para",
}
NEGATORS = {"nao", "sem", "nenhum", "nenhuma", "nunca", "nem", "nada", "jamais"}
NEGATION_WINDOW = 3  # words before a negatable cue that a negator may sit in
_CLAUSE_SPLIT = re.compile(r"[.;!?\n,()]+|\b(?:mas|porem|so que|entretanto|contudo|e ainda|alem disso|pra piorar"
                           r"|para piorar|fora isso)\b")


def normalise(text: str) -> str:
    """Lower case, accent-free, abbreviations and misspellings expanded, punctuation kept apart."""
    text = re.sub(r"\bnã\b", "não", (text or "").lower())  # a frequent slip: "nã recebi"
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"(.)\1{2,}", r"\1", text)  # "otimooo" → "otimo", "!!!" → "!"
    text = re.sub(r"([.;!?,()\n])", r" \1 ", text)
    text = re.sub(r"[^a-z0-9.;!?,()\n$ ]+", " ", text)
    text = " ".join(WORD_FIXES.get(word, word) for word in text.split(" ") if word)
    return re.sub(r"\bmas de (?=\d)", "mais de ", text)  # "faz mas de 20 dias": no "but" to split at


@dataclass(frozen=True)
class Topic:
    """Cues of one flag: ``plain`` ones are cancelled by a preceding negator, ``explicit`` ones are not
    (they carry their own negation, "nao chegou"); ``veto`` cancels every hit in its clause.
    ``guarded`` cues count only when ``guard`` is nowhere in the comment, ``complaint`` cues (guarded
    too) only in a 1-2 star review, where naming the topic is complaining about it ("o prazo de
    entrega, uma vergonha"), and ``whole`` cues are read across clauses ("comprei 3 ... recebi apenas 1")."""
    plain: str = ""
    explicit: str = ""
    veto: str = ""
    guarded: str = ""
    guard: str = ""
    complaint: str = ""
    whole: str = ""


_NOT_DELIVERY_OBJECT = (r"(?! (o que (promet|anunci|diz|mostr)|a nota|nota|o estorno|estorno|o reembolso|reembolso|resposta|retorno|o dinheiro"
                        r"|dinheiro|o valor|todos|todas|tudo|o resto|o restante|a outra|o outro|os itens"
                        r"|(na|no|em) (cor|caixa|cx|embalagem|tamanho|modelo|voltagem)|(nenhum|nenhuma|qualquer) (respaldo|resposta|retorno|informac|satisfac|contato|posic|email|mensagem"
                        r"|aviso|notificac|codigo|explicac|reembolso|estorno)))")
# "entrega" the noun, not the verb of what a product gives ("caro pelo que entrega", "nao entrega o
# que promete": value or quality, not the delivery).
_ENTREGA_NOUN = r"(?<!\bque )entrega(?! o que (promet|anunci|diz|mostr))"
# Only part of the order came: a missing item, which is not a delivery problem (the guide).
PARTIAL = (r"\b(so|apenas|somente) (recebi|chegou|chegaram|veio|vieram) (um|uma|o|a|os|as|\d+\b(?! \d)|metade|parte|dois|duas)\b"
           r"|\b(recebi|chegou|chegaram|veio|vieram|entregaram|enviaram|mandaram) (so|apenas|somente) (\d+|um|uma|o|a|os|as|parte|metade)\b"
           r"|\bnao recebi (um|uma|1) [a-z ,]{0,60}\b(apenas|so|somente)\b"
           r"|\bcomprei (\d+|dois|duas|tres|quatro|cinco) [a-z0-9 ]{0,80}\b(entregaram|enviaram|mandaram|veio|vieram|chegou"
           r"|chegaram|recebi) (apenas |so |somente )?(\d+|um|uma)\b|\bcaixa vazia|\b(ficou|ficaram) faltando"
           r"|\b(so|apenas|somente) (foi|foram) (entregue|enviad)\w*|\bfaltando (uma )?parte|\bparte do pedido"
           r"|\b(um|uma) d[oa]s (produtos|itens|pecas|volumes|pares|[a-z]+s) (nao|ainda nao|nunca)\b"
           r"|\b(os |as )?(demais|outros|outras|restantes) (itens|produtos|pecas|volumes) (ainda )?nao (vieram|chegaram|foram)")
TOPICS = {
    "delivery_issue": Topic(
        plain=(r"\batras\w*|\bdemor\w*\b(?!( [a-z0-9]+){0,3} (para|a|em) (responder|retornar|resolver|devolver|estornar))"
               r"|\bextravi\w*|\b(passou|passado|fora|depois|alem) (muito )?do prazo|\b(ja )?passou o prazo"
               r"|\bprazo( de entrega)? (ja )?(passou|venceu|expirou)"
               r"|\bproblema (com|na) (a )?entrega|\bentrega (lenta|demorada|atrasada)"
               r"|\bprazo (de entrega )?(nao foi cumprido|estourado|vencido)"
               r"|\b(ia|vai|iria) (levar|demorar)\b"
               r"|\bprazo( de entrega)?( e| era| muito| bem)* (longo|grande|extenso|demorado) demais"
               r"|\bprazo( de entrega)?( e| era)?( ja)? (muito|bem|bastante) (longo|extenso|demorado)\b"),
        guarded=(r"\b(nao|nunca|nem) (me |nos |o |a |os |as )?(chegou|chegaram|chega|recebi|recebemos|recebeu|recebe|recebo"
                 r"|recebido|foi entregue|foi entregado|entregaram|entregou|entregue|entregam|entrega)" + _NOT_DELIVERY_OBJECT +
                 r"|\bnao chegou|\bainda nao (chegou|recebi|veio)"
                 r"|\bnao (ter|tinha|tenha|havia) (sido )?(chegado|recebido|entregue)\b(?! pel[oa])"
                 r"|\b(nenhum|nenhuma) (deles |delas |dos produtos |dos pedidos )?(foi |foram )?(entregue|chegou|recebid)\w*"
                 r"|\bnao (consegui|conseguimos|consigo) receber"
                 r"|\b(produto|pedido|encomenda|mercadoria|compra) nao (veio|vieram)\b(?! (com|o|a|os|as|no|na|nos|nas)\b)"
                 r"|\b(consta|diz|dizendo|mostra|aparece|informa)( [a-z]+){0,4} (foi |como |ter sido )?entregue"
                 r"|\bnao (foi|foram|estava|esta|tinha sido) (enviad|despachad|postad)\w*"
                 r"|\bnao (enviaram|enviou|despacharam|postaram|mandou|mandaram) (o |a |meu |minha )?(produto|pedido|encomenda|mercadoria)"),
        guard=PARTIAL,
        # a 1-2 star clause about the deadline or the delivery that neither praises it nor is about stock
        complaint=(r"^(?!.*\b((no|dentro do|antes do|dentro|antes) (do )?prazo|rapid\w*|certinh\w*|ok|bem|perfeit\w*|otim\w*"
                   r"|excelente|pontual|corret\w*|boa|tranquil\w*|sem problema|super|antes|estoque|indisponivel"
                   r"|nao (tem|tinha|tinham|havia)|cancel\w*)\b).*\b(prazo|" + _ENTREGA_NOUN + r")\b"
                   # or says the time since the purchase went by with nothing, and is not about a refund or an answer
                   r"|^(?!.*\b(estorn|reembols|ressarc|dinheiro|resposta|retorno|troca|devoluc|email|e mail|contato|cancel|cobr)).*"
                   r"\b((ate|e) (agora|hoje|o momento)|mes|dias|semanas|meses|pago) (e )?nada\b"
                   r"|\b(faz|ha|a) (mais de |mas de |quase )?(\d+|um|uma|dois|duas|tres) (dias|semanas|mes|meses)( uteis)? (que )?(fiz|comprei|paguei|efetuei|foi feit)"),
        whole=r"\bprazo[a-z ,]{0,25}\b(era|e|foi|ja) (muito|bem|bastante) (longo|extenso|demorado)\b",
        explicit=(r"\bnada (do|de) (produto|pedido|entrega|chegar)|\bnada d[oa] [a-z]+ (chegar|vir)\b"
                  r"|\bate (agora|hoje|o momento) (aguardando|esperando)\b(?! (o|a) (estorno|reembolso|devolucao|resposta|retorno))"
                  r"|\b(fiquei|estou|continuo|sigo) sem (o|meu|a|minha) (produto|pedido|encomenda|compra)"
                  r"|\b(aguardando|esperando) (ate hoje|o produto|o pedido|meu pedido|meu produto|a entrega|entrega|faz|ha"
                  r"|a chegada|minha encomenda|minha compra)\b"
                  r"|\b(ainda|estou|estamos|to|continuo|sigo)( a tempo)? (esperando|aguardando|na espera)\b"
                  r"(?! (o |a |pelo |pela |um |uma |meu )?(estorno|reembolso|devolucao|resposta|retorno|contato|solucao|ressarc"
                  r"|troca|dinheiro|valor))"
                  r"|\b(um mes|\d+ dias|semanas|meses) de espera|\bsem previsao|\breenvi\w*"
                  r"|\b(foi|foram|sido) roubad\w*|\broub(ad|ar)\w* (no|nos|na|pelo|pelos|pela) (correio|caminho|transport)\w*"
                  r"|\b(devolvid|voltando|voltou)\w* (pel[oa]s? (os )?correios?|para a loja|a loja|ao remetente)|\bja foi devolvido"
                  r"|\bnao (consigo|consegui) rastrear|\brastreamento [a-z ]{0,20}nao|\bproblema [a-z ]{0,20}(correios|transportadora)"
                  r"|\b(alteraram|mudaram|mudou|alterou|adiaram|adiou) (a )?(data|prazo)|\bmelhorar (nas|a|as|na) entregas?"
                  r"|\b(chegue|chegasse) logo|\b(espero|tomara) que (o produto |o pedido |ele |ela )?(chegue|seja entregue)"
                  r"|\b(quero|queria|gostaria de) (receber )?(o )?(meu|minha) (produto|pedido|encomenda|mercadoria|compra)\b"
                  r"|\bquando( [a-z]+){0,3} (vai|vao|ira|irao|sera|vou|iremos) (ser )?(chegar|entregar|entregue|receber|enviar|enviad[oa])\b"
                  r"|\bquando (chega|chegara|vai chegar|sera entregue|vou receber|receberei)\b"
                  r"|\bquanto tempo (mais )?(de espera|vou|vai|para|pra|demora|ainda)"
                  r"|\b(era|seria|deveria|iria|era para|era pra) (ser |ter sido |ter )?(entregue|chegado)"
                  r"|\b(produto|pedido|encomenda|mercadoria|pacote|objeto)( [a-z]+){0,2} (voltou|retornou|foi devolvid\w*|foi retornad\w*)\b"
                  r"|\b(mandaram|enviaram|foi|ficou|deixaram|levaram)( [a-z]+){0,4} (para|pra|na|no|em) (uma |a |o )?(agencia|correios)"
                  r"|\bninguem em casa|\bnao (achou|achei|acharam|encontrou|encontraram|localizou|localizaram) (o |meu )?endereco"
                  r"|\b(prazo|entrega)( de entrega)? (poderia|podia|deveria|precisa|pode) ser (mais )?(menor|rapid|curt)\w*"
                  r"|\b(poderia|podia) ter (chegado|entregue) (mais )?(rapido|antes|cedo)"
                  r"|\bnao gostei d[ao] (entrega|prazo|transportadora|correios)"
                  r"|\brastre\w* [a-z ]{0,20}\bnao\b|\b(nao|nem) (consta|aparece|atualiz\w*)( [a-z]+){0,3} (no |em |o )?rastre"
                  r"|\bcade (o |meu |a |minha )?(produto|pedido|encomenda|compra)?"
                  r"|\b(depois que|quando|assim que)( [a-z]+){0,3} chegar\b|\b(ia|iria|deveria|era para) chegar"
                  r"|\b(buscar|retirar|pegar)( [a-z]+){0,2} (na|no|nos|em|ate a|ate o|ate os) (agencia|correios)"
                  r"|\btive que (ir )?(buscar|retirar|pegar)|\b(ir|fui) (nos|no|na|ate os|ate o|ate a|a) (correios|agencia)"
                  r"|\bcasa do vizinho|\bendereco (esta |estava |foi )?(errad|incorret)[oa]|\bnao (seria|sera|vai ser) entregue|\b(travad|parad|presa|preso)\w* na transportadora"
                  r"|\bonde (esta|estaria|foi parar) (o |a )?(meu |minha )?(pedido|produto|encomenda|compra)"
                  r"|\b(entregador|carteiro|motoboy|motorista) (foi |era )?(muito )?(grosso|mal educado|estupido|rude)"
                  r"|\bjog(ou|aram) (a caixa|o pacote|a encomenda|o produto)"
                  r"|\btransportadora nao (sabe|informa|entrega|da)|\b(pedido|encomenda|pacote|objeto) (esta |ta |ficou )?(parad|travad|pres)\w*|\bera dia \d+ e chegou|\blev(ou|ara|aria|a|ando) (mais de |quase |uns )?(um mes|o dobro|\d+ dias|\d+ semanas)"),
        # a split delivery's missing part is a missing item, not a late order
        veto=r"\bchegou (antes|no prazo|rapido|certinho)|\b(o|a) (outro|outra|resto|restante|segunda)\b"),
    "product_quality_issue": Topic(
        plain=(r"\bdefeit\w*|\bquebrad\w*|\bquebrou|\btrincad\w*|\briscad\w*|\bfalsificad\w*|\bfalsific\w*"
               r"|\b(muito|bem|meio|tao|e|parece|bastante|super|material) fragil|\bfragil demais|\bmal acabad\w*|\bacabamento (e |esta |ficou )?(muito )?(ruim|horrivel|pessimo|inferior|fraco)"
               r"|\b(ma|baixa|pessima|pouca|ruim|inferior|horrivel) qualidade"
               r"|\bqualidade (ruim|pessima|baixa|inferior|horrivel|deixa (muito )?a desejar)"
               r"|\bqualidade [a-z ]{0,25}(inferior|ruim|baixa)\b"
               r"|\b(com|um|uns|tem|tinha) riscos?\b"
               r"|\b(material|tecido|pano) (e |esta |era )?(muito |bem |meio )?(fraco|ruim|pessimo|fino|transparente)|\b(tecido|material) [a-z ]{0,10}fino demais"
               r"|\bproduto (muito |bem )?fraco|\bdescostur\w*|\bdescasc\w*|\bdesbot\w*|\bmanch\w*|\bavaria\w*|\bveio usad[oa]|\bmarcas de uso|\barranh(ao|oes|ado|ada|ados|adas)\b|\bsuj[oa]\b"
               r"|\b(soltou|rasgou|descolou|furou|enferrujou)\b|\bespanad\w*|\bfalhas? (na|no|de) (costura|pintura|acabamento|tecido)"
               r"|\bcheiro (muito )?forte|\blixo\b|\bvagabund\w*|\bporcaria|\bpessimo produto"
               r"|\b(menor|maior|diferente|pior) (do )?que (parece|aparece|mostra|na foto|o anunciado)"
               r"|\bdiferente d[aoe]s? (foto|anuncio|imagem|imagens|descricao|site)|\bgato por lebre|\bparou de funcionar"
               r"|\bdeixou de funcionar|\bsem som\b|\bantiaderente (saiu|soltou|descascou)|\bgruda tudo"
               r"|\bnada a ver com (a|o) (descricao|anuncio|foto|imagem)"
               r"|\b(do )?que (mostra|aparece|parece|esta) (no|na) (site|foto|anuncio|imagem)|\b(acabamento|material|tecido|produto) deixa (muito )?a desejar|\bnao original|\bnao e original"),
        explicit=(r"\bnao (esta |estava |ta )?(funciona\w*|funcionou|liga|ligou|carrega|acende|esquenta|gela|corresponde|serve no modelo|fixa|veda)\b"
                  r"|\bnao (estava|esta|e|era|veio|chegou) (de acordo|conforme) (com )?(a |o |as |os )?(foto|anuncio|descricao|imagem|site)"
                  r"|\b(na |a )?descricao( d[oa] [a-z]+)? (diz|dizia|fala|falava|informa|informava|consta|constava|mostra|mostrava)\b"
                  r"|\b(achei|acho|tamanho e|tamanho muito|tamanho bem)( [a-z]+){0,2} pequen\w*"
                  r"|\besperava (uma |um )?(mais|melhor) (qualidade|fixacao|acabamento|material|resistencia|durabilidade|desempenho|potencia)"
                  r"|\bnao (e|era) tao [a-z]+ (quanto|como)|\bnao (cumpre|faz) o que (promete|prometia|anuncia|diz)"
                  r"|\b(pensei|imaginei|achei|esperava) que (fosse|era|seria) (um pouco |bem |muito )?(maior|menor|mais grande|pequen\w*)"
                  r"|\bnao (recebi|veio|chegou) (na|com a|no|com o) (cor|tamanho|modelo) [a-z ]{0,20}\b(anuncio|site|foto|imagem|descricao)"
                  r"|\bnem (tudo|todos|todas) [a-z ]{0,20}funciona|\bnao gostei d[oa] (material|qualidade|acabamento|tecido)"
                  r"|\bnao tem a mesma qualidade|\bnao tem (muita |boa )?qualidade|\besperava (mais|melhor) qualidade"
                  r"|\bnao (possui|possuia|tem|tinha|atende|atendia|condiz|condizia) (com )?(as |a )?(especificac|descric|caracteristic)\w*"),
        # a phone line, link or code that "does not work" is the service, not the product
        veto=(r"\b(telefone|numero|contato) (para|de|do|da) (reclamac|contato|atendimento|sac|loja|vendedor)\w*"
              r"|\b(sac|link|cupom|aplicativo|app|boleto|email|e mail|chat|rastreio|rastreamento|codigo)\b")),
    "wrong_or_missing_item": Topic(
        plain=(r"(?<!endereco )\berrad[oa]s?\b|\bfaltou\b|\bfaltando|\bfaltam\b|\bfaltaram\b|\bno lugar d[oa]\b|\bem vez d[eoa]\b|\bfalta (um|uma|o|a|os|as|peca|pecas|item|parte)\b"
               r"|\b(pedido|compra|kit|produto|entrega|veio|chegou|esta|estava) incomplet\w*|\bcaixa vazia|\bveio (outro|outra|em outra)\b|\bso veio"
               r"|\bveio (so|apenas|somente) (um|uma|o|a|os|as|\d+|metade|parte)\b"
               r"|\bvieram (so |apenas )?\d+|\bveio \d+\b|\b(cor|tamanho|modelo|numero) diferente do que"
               r"|\b(tamanho|modelo) diferente\b|\bveio (em |num |numa )?(outra cor|outro modelo|outro tamanho)"
               r"|\bnao (era|e) o (modelo|produto|item) que|\bdiferente d[ao] que (eu )?(havia |tinha )?(pedi|pedido|comprei|escolhi)"
               r"|\b(mandaram|enviaram|veio|chegou) (um|uma) (parecid|similar|semelhante)\w*"
               r"|\b(veio|chegou|mandaram|enviaram|recebi|entregaram|vindo) (um |o )?(outro|outra)\b"
               r"|\b(mandaram|enviaram) ([1-9]|dois|duas|tres)\b(?! (dia|dias|semana|semanas))"
               r"|\b(produto|pedido|encomenda) de (uma )?outra pessoa"
               r"|\b(escolhi|cliquei|selecionei|pedi|comprei)( [a-z]+){1,4} e (veio|vieram|chegou|mandaram|enviaram) (o |a |um |uma )?(azul|rosa"
               r"|pret[oa]|branc[oa]|vermelh[oa]|verde|amarel[oa]|cinza|marrom|bege|rox[oa]|outr[oa])\b|\btrocaram (o |meu )?(produto|pedido)"
               r"|\boutro produto (foi )?(entregue|enviado|no lugar)|\b(enviad|mandad|entregue)[oa]?s? (na|em|com) (outra )?(cor|tamanho|modelo) (errad|diferent)"
               r"|\bdiferente d[oa] (pedid[oa]|comprad[oa]|escolhid[oa])\b|\b(chegou|veio) diferente\b(?! d[aoe]s? (foto|anuncio|imagem|imagens|descricao|site))"
               r"|\b(nao (e|era|tem)|nada)( [a-z]+){0,4} (com|ao|a|do|da) (o |a )?que (eu )?(comprei|pedi|escolhi|encomendei)"
               r"|\bnao (veio|chegou|estava|esta) de acordo com o (pedido|que (eu )?(pedi|comprei))"),
        whole=(PARTIAL + r"|\b(comprei|pedi|escolhi)\b[a-z0-9 ,]{0,40}\b(cor|tamanho|modelo|numero)\b[a-z0-9 ,]{0,40}"
               r"\b(veio|vieram|enviad[oa]|mandaram|chegou|recebi) (na |no |em |o |a |um |uma )?(cor |tamanho |modelo |numero )?"
               r"(?!(certo|certinh|corret|igual|rapid|no prazo|antes|bem|perfeit|direit|conforme|de acordo|dentro|exat)\w*)[a-z]+"),
        explicit=(r"\b(veio|chegou|vieram|chegaram) sem (o|a|os|as)\b|\bnao veio (o|a|no|na)\b"
                  r"|\bnao (estava|veio|tinha) (o|a) [a-z ]{1,30} que (eu )?(comprei|pedi)"
                  r"|\b(recebi|chegou|veio) (so|apenas|somente) (um|uma|1|parte|metade|a metade|uma parte|o|a)\b"
                  r"|\bso recebi (um|uma|1|\d+|parte|metade|a metade|uma parte|os|as|o|a)\b|\b(recebi|veio|chegou) (uma )?parte"
                  r"|\bnao recebi (todos|todas|tudo|o resto|o restante|a outra|o outro|os itens)"
                  r"|\ba (segunda|outra) (parte |entrega )?nunca (veio|chegou)|\b(duas|2|tres|3) entregas"
                  r"|\bo (restante|resto) (disseram|vem|chega|ainda)"
                  r"|\bnao (me )?(enviaram|mandaram) (os|as|o|a) (?!(produto|pedido|encomenda|mercadoria|compra|nota|nf|codigo|dinheiro|valor"
                  r"|reembolso|estorno|email|e mail|resposta|rastreio|numero)\b)[a-z]+"),
        veto=r"\b(nota fiscal|manual|endereco|nome|cadastro|dados)\b"),
    "seller_service_issue": Topic(
        plain=(r"\batendimento (e |foi |esta )?(muito )?(pessimo|horrivel|ruim|fraco|lamentavel|demorado|horroroso|porco)"
               r"|\b(pessimo|horrivel|ruim|lamentavel) atendimento|\bvendedor (foi )?(grosso|mal educado|estupido)"
               r"|\b(duas|2) vezes (na fatura|no cartao|no boleto)|\bcobra\w* (a mais|tres|3|quatro|4)\b"
               r"|\b(site|loja|sistema) nao deixa (trocar|devolver|cancelar)"
               r"|\btratou mal|\b(duas|2) vezes no cartao|\bcobr\w* (o frete |em dobro|indevid\w*)?(duas|2) vezes"
               r"|\bcobr\w* (em dobro|indevid\w*)|\bpicaret\w*|\bgolpe\b|\benganac\w*|\benganador\w*|\bburocracia|\bsumiram"),
        explicit=(r"\bestoque\b|\besgotad\w*|^(?!.*\b(quero|queria|pedir|solicito|solicitei|vou|caso|aceito)\b).*\b(estorno|reembolso|ressarc|resarc)"
                  r"|\bduplicidade|\benrol\w*"
                  r"|\b(cancelaram|cancelou|cancelam|cancela)\b|\b(foi|foram|sera|seria|ser|sido|esta|estava|ficou) cancelad\w*\b(?! (por mim|a meu pedido|a pedido))"
                  r"|\b(estava|esta|ficou|produto) em falta\b"
                  r"|\bnao (soube|souberam|sabe|sabem) (me )?(dizer|informar|explicar)"
                  r"|\bnao (conseguiu|conseguiram) (me )?(informar|explicar|resolver|dizer)"
                  r"|\b(prometeram|prometeu|prometido)\b[a-z ]{0,40}\b(nunca|nao|nada)\b"
                  r"|\b(nao|nunca) (me )?respond\w*|\bsem (resposta|retorno)|\bnao (tive|obtive|recebi|tenho) (nenhum )?(retorno|resposta)"
                  r"|\bninguem (me )?(resolve|respond\w*|atende|da retorno|deu retorno|da|ajuda|informa|explica|avisa|avisou|liga|ligou|retorn\w*|entra em contato|entrou em contato)"
                  r"|\b(nem|nao|ninguem|sem) (me )?(ligaram|ligou|avisaram|avisou|informaram|informou|comunicaram|comunicou|explicaram|explicou)\b"
                  r"|\bnao fui (respondid|comunicad|informad|avisad|atendid|notificad)\w*"
                  r"|\bnao (ter )?(me )?atend\w*|\bnao resolv\w*|\bnao (querem|quis|aceita\w*) (trocar|devolver)"
                  r"|\bnao trocaram|\bnao (consigo|consegui|conseguimos|estou conseguindo)( [a-z]+){0,3} (devolv|devoluc|troc|cancel|vale|estorn|reembols|contat|falar|ressarc)\w*|\bnao (me )?devolve(ram|u|m)\b"
                  r"|\bdemor\w*( [a-z0-9]+){0,3} (para|a|em) (responder|retornar|resolver|devolver|estornar)"
                  r"|\b(pedi|solicitei|abri)( a| o| uma| um)? (troca|devolucao|reclamacao|cancelamento|estorno|reembolso)\b[a-z0-9 ]{0,30}\b(nada|ninguem|nao|sem)\b"
                  r"|\b(devolucao|devolver) (do |o |meu )?(dinheiro|valor)|\bnao pode fazer nada|\bnao explicaram"
                  r"|\b(mandei|enviei|fiz)\b[a-z ]{0,40}\b(e nada|sem resposta|sem retorno)"
                  r"|\b(nao|nunca) (da|deu|dao|deram) (nenhum |nenhuma )?(retorno|resposta)"
                  r"|\b(nao|nem|sem|nenhum|nenhuma|ninguem|falta de) [a-z ]{0,25}\b(satisfac|posicao|posicionamento|comunicac|justificativ"
                  r"|retorno|resposta|contato|definicao|explica|informac|aviso|solucao|email|e mail)\w*"
                  r"|\b(tentei|tentamos|tento|tentando) [a-z ]{0,20}contato|\bdificuldade( [a-z]+){0,3} (contat|contactar|falar|resolver|trocar|devolver|receber)\w*"
                  r"|\b(problema|dificuldade)( [a-z]+){0,3} (receber|ter) (o |meu )?(dinheiro|valor|estorno|reembolso)|\b(varios|diversos) contatos"
                  r"|\b(esperando|aguardando|aguardo) (tambem )?(um |o |algum |uma )?(retorno|resposta|contato|posicao|solucao|feedback)"
                  r"|\brestitu\w*|\b(nao|nem|sem) [a-z ]{0,15}\b(dinheiro|valor) de volta"
                  r"|\bnao (me |mim )?retorn\w*|\b(ficaram|ficou) de [a-z ]{0,60}\b(e nada|nao)\b"
                  r"|\b(troca|devolucao)\b[a-z ,]{0,60}\bdificil"
                  r"|\b(devolvam|devolveram|devolvessem|restituam) (o |meu |o meu )?(dinheiro|valor)"
                  r"|\bcancelamento nao (foi )?(efetuado|feito|realizado|aceito)|\bnao (foi |foram )?(estornad|reembolsad|ressarcid)\w*"
                  r"|\b(tentei|tento) cancelar|\bnao (consegui|conseguimos) cancelar"
                  r"|\bnao (quer|quis|querem|quiseram|deseja|desejam) (me )?(enviar|mandar)|\bnao (poderia|podera|pode|seria) ser (entregue|enviad[oa])"
                  r"|\b(avisaram|avisar|informaram|informar|comunicaram)( [a-z]+){0,2} (mais de |quase |uns )?(\d+|um|uma|dois|duas|tres) (dias|semanas|mes|meses) depois"
                  r"|\b(telefone|sac|email|e mail|chat|central)( [a-z]+){0,3} (nao funciona|nao atende|nao responde|nao existe)"
                  r"|\bindisponiv\w*|\bindisponib\w*|\bnao (concluiu|concluiram|finalizou|finalizaram|efetuou|efetuaram) (a )?(venda|compra|pedido)|\bnao viria\b|\bnao ter (o|a) (sabor|cor|tamanho|modelo|produto)"
                  r"|\bnao (tinha|tinham|tem|havia|habia|possuia|possuiam) (mais )?(na loja|em estoque|disponivel)|\bvend\w* (um )?produto que nao (existe|tem|tinha|havia)"
                  r"|\bnao (tinha|tinham|tem|havia|habia|possuia|possuiam) (mais )?(o |a )?(produto|item|estoque|sabor|cor|tamanho|modelo)"),
        # the shop cancelled, unless the comment says the customer did
        guarded=r"\b(pedido|compra|venda|encomenda) cancelad\w*\b(?! por mim)",
        guard=r"\b(cancelei|desisti|(pedi|solicitei|fiz) (o )?cancelamento)\b",
        # a refund that was made is no complaint
        veto=r"\b(estorno|reembolso|dinheiro) (ja )?(caiu|foi feito|feito|foi rapido|rapido|devolvido|voltou)"),
    "price_issue": Topic(
        plain=(r"\b(achei|acho|muito|bem|meio|pouco|e|esta|ficou|saiu|frete|mais|tao|super|bastante|preco|paguei) car[oa]s?\b"
               r"|\bcar[oa] (demais|pelo|para)\b|\bpreco (esta |e |ta )?(alto|abusivo|salgado|elevado|absurdo)"
               r"|\bpreco [a-z ]{0,12}(poderia|podia) ser (menor|mais baixo)|\b(poderia|podia) ser mais barato"
               r"|\bmais barato (em|no|na|num|numa) (outro|outra|outros|outras)|\b(outro|outra) (site|loja|lugar)[a-z ]{0,20} mais barato"
               r"|\bnao compensa|\bsalgad[oa] o preco|\bpreco [a-z ]{0,10}salgad[oa]|\babsurdo de car[oa]"
               r"|\b(simples|pequeno|fraco|ruim) (demais )?(pelo|para o) (preco|valor)"
               r"|\bfrete (e |foi |esta |ficou )?(muito |bem )?(caro|alto|absurdo|abusivo|salgado)|\bnao vale o (preco|que custa|valor)"
               r"|\bfrete (e |foi |esta |ficou |considerado |um pouco |meio )?(muito |bem |tao )?car[oa]\b|\bcarissim\w*"
               r"|\b(valor|preco|frete) (muito |bem |um pouco |meio )?(alto|elevado|exagerado|abusivo|absurdo|salgado)"
               r"|\b(superfaturad|exorbitant)\w*|\b(2x|o dobro) (mais )?(caro|do valor|do preco)|\bacima do (preco|valor) (de|do) mercado"
               r"|\bcobr\w* (o |um )?frete\b(?! (duas|2|em dobro))"),
        veto=r"\bcancel\w*|\b(voltou|reapareceu)\b"),
}
NOT_RECOMMEND = re.compile(
    r"\bnao (recomendo|indico|recomendaria|comprem|compre|vale a pena|volto a comprar|compro mais|comprarei)"
    r"|\bnunca mais (compro|comprarei|volto|compre)|\bdificilmente (volto|voltarei|compro|comprarei|recomendo)|\bfujam|\bnao recomendo")
RECOMMEND = re.compile(
    r"\brecomend(o|aria|amos|adissim\w*|ad[oa])\b|\bindic(o|aria)\b"
    r"|\b(compro|comprarei|compraria) (novamente|de novo)|\b(volto|voltarei) a comprar|\bvale (muito )?a pena|\bpode comprar|\bcompre\w* sem medo")
# A complaint outside the five topics (invoice, manual, packaging) or plain dissatisfaction.
OTHER_COMPLAINT_EXPLICIT = re.compile(r"\b(sem|nao veio|faltou|faltando) (a )?(nota fiscal|manual)")
OTHER_COMPLAINT = re.compile(
    r"\bnota fiscal|\bmanual\b|\bsegunda via|\baplicativo (trava|nao abre|nao funciona)|\bo site nao"
    r"|\bembalagem (era |e )?(enorme|exagerada|grande demais)"
    r"|\b(embalagem|caixa) [a-z ]{0,25}(rasgad|amassad|danificad|molhad|violad|detonad|destruid|estragad)\w*"
    r"|\breclamacao\b|\bponto negativo|\b(quero|queria) (o |meu )?(dinheiro|valor) de volta"
    r"|\b(tive|tenho|tivemos) (um |uns |alguns )?problemas?\b|\bnao gostei|\bpessim\w*|\bruim\b|\bdecepc\w*|\binsatisf\w*|\bhorrivel|\babsurdo")


def clauses(normalised: str) -> list[str]:
    return [c.strip() for c in _CLAUSE_SPLIT.split(normalised) if c and c.strip()]


def _negated(clause: str, start: int) -> bool:
    before = clause[:start].split()[-NEGATION_WINDOW:]
    return any(word in NEGATORS for word in before)


def _plain_hit(pattern: re.Pattern, clause: str) -> bool:
    return any(not _negated(clause, m.start()) for m in pattern.finditer(clause))


_COMPILED = {name: Topic(**{part: re.compile(value) if value else None for part, value in vars(t).items()})
             for name, t in TOPICS.items()}


def complaint_category(flags: dict, score: int, text: str) -> str:
    """The guide's category: the first true flag in ``PRIORITY``; with none, ``outro`` for a
    complaint outside the five topics (or a 1-2 star comment) and ``nenhuma`` otherwise.
    ``text`` is the ``normalise``d comment."""
    category = next((cat for flag, cat in PRIORITY if flags[flag]), None)
    if category is not None:
        return category
    complains = (score <= 2 or bool(OTHER_COMPLAINT_EXPLICIT.search(text)) or bool(NOT_RECOMMEND.search(text))
                 or any(_plain_hit(OTHER_COMPLAINT, c) for c in clauses(text)))
    return "outro" if complains and text.strip() else "nenhuma"


def label_review(score: int, message: str | None) -> dict:
    """The labelled fields (``LABEL_FIELDS``) for a review of ``score`` stars with comment ``message``."""
    text = normalise(message or "")
    parts = clauses(text)
    flags = {}
    for name, topic in _COMPILED.items():
        kept = [c for c in parts if not (topic.veto and topic.veto.search(c))]
        unguarded = not (topic.guard and topic.guard.search(text))
        guarded = [cue for cue in (topic.guarded, topic.complaint if score <= 2 else None) if cue and unguarded]
        flags[name] = bool(topic.whole and topic.whole.search(text)) or any(
            (topic.explicit and topic.explicit.search(c)) or any(cue.search(c) for cue in guarded)
            or (topic.plain and _plain_hit(topic.plain, c)) for c in kept)
    category = complaint_category(flags, score, text)
    if NOT_RECOMMEND.search(text):
        recommend = False
    elif any(_plain_hit(RECOMMEND, c) for c in parts):
        recommend = True
    else:
        recommend = score >= 4
    return flags | {"complaint_category": category, "would_recommend": recommend}


def churn_risk(score, labels: dict):
    """How likely the customer is not to buy again, set from the labels by the guide's formula
    (so it is as right as they are): base by score, +0.10 when ``would_recommend`` is false, +0.05
    per true flag, clipped to 0.02-0.98, two decimals. One review (a float), or one per element
    when ``score`` and the labels are numpy arrays (the synthetic generator's facts)."""
    base = np.array([np.nan, *(CHURN_BASE[s] for s in range(1, 6))])[score]
    issues = sum(np.asarray(labels[f], dtype=int) for f in FLAGS)
    risk = np.clip(base + 0.1 * ~np.asarray(labels["would_recommend"], dtype=bool) + 0.05 * issues, 0.02, 0.98).round(2)
    return float(risk) if risk.ndim == 0 else risk
