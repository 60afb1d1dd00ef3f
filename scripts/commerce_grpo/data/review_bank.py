"""Phrase bank for synthetic review comments: informal Brazilian Portuguese, as Olist customers write.

Clauses carry slots filled per review: ``{produto}`` ("o relógio"), ``{do_produto}``
("do relógio"), ``{o}`` (gender ending: lind{o}), ``{bom}`` (bom/boa), ``{dias}`` (days late,
"5 dias") and ``{antes}`` (days early). Each clause states one fact, so the review's latent facts
(the extraction gold) are exactly what the text says. Noise (missing accents, abbreviations,
typos) is applied afterwards by ``reviews.add_noise``.
"""

PRAISE_PRODUCT = [
    "{produto} é lind{o}, exatamente como na foto",
    "amei {produto}, qualidade excelente",
    "{produto} chegou perfeit{o} e funciona muito bem",
    "produto de ótima qualidade, igual ao anunciado",
    "gostei muito {do_produto}, superou minhas expectativas",
    "{produto} é muito {bom}, vale cada centavo",
    "produto excelente, bem acabado e resistente",
    "tudo certo com {produto}, material de primeira",
    "{produto} é exatamente o que eu precisava",
    "ótimo produto, a família toda adorou",
    "{produto} veio bem embalad{o} e em perfeito estado",
    "produto maravilhoso, muito bem feito",
    "comprei {produto} para presente e a pessoa amou",
    "excelente custo-benefício, {produto} é muito {bom}",
    "{produto} é de muito boa qualidade",
    "produto conforme a descrição, sem nenhum problema",
    "fiquei muito feliz com {produto}",
    "{produto} é melhor do que eu imaginava",
]
PRAISE_DELIVERY = [
    "entrega super rápida",
    "chegou antes do prazo",
    "chegou bem antes da data prevista",
    "entrega rápida e tudo bem embalado",
    "recebi em poucos dias",
    "a entrega foi muito rápida, parabéns",
    "chegou {antes} antes do previsto",
    "prazo de entrega cumprido certinho",
]
PRAISE_SELLER = [
    "vendedor muito atencioso",
    "loja nota 10",
    "ótimo atendimento da loja",
    "a loja tirou todas as minhas dúvidas rapidinho",
    "lojista de confiança",
    "a loja sempre responde rápido",
]
NEUTRAL = [
    "produto ok, nada de mais",
    "atendeu o esperado",
    "é razoável, cumpre o que promete",
    "{produto} é {bom}, mas esperava um pouco mais",
    "nem bom nem ruim",
    "dá pro gasto",
    "produto simples, mas serve",
    "ainda estou testando, por enquanto tudo certo",
    "{produto} é mediano",
]
LATE = [
    "o pedido atrasou {dias}",
    "a entrega demorou demais, chegou {dias} depois do prazo",
    "chegou com {dias} de atraso",
    "o prazo de entrega não foi cumprido, atrasou {dias}",
    "demorou muito pra chegar, passou {dias} da data prevista",
    "a entrega atrasou {dias} e ninguém avisou nada",
    "a transportadora demorou uma eternidade, {dias} além do prazo",
]
UNDELIVERED = [
    "até agora não recebi meu pedido",
    "comprei e o produto não chegou",
    "já passou do prazo e nada de entregarem",
    "o pedido não foi entregue",
    "paguei e não recebi",
    "o rastreio não atualiza e o produto não chegou",
    "o site diz que foi entregue mas não recebi nada",
]
DELIVERY_OTHER = [
    "entregaram na casa do vizinho e tive que ir buscar",
    "não entregaram em casa, tive que retirar nos correios",
    "entregaram no endereço errado e tive que correr atrás",
    "o entregador deixou a caixa na chuva",
]
QUALITY = [
    "{produto} veio com defeito",
    "qualidade péssima, parece falsificado",
    "{produto} quebrou na primeira semana de uso",
    "material muito fraco, bem diferente da foto",
    "{produto} veio riscad{o}",
    "{produto} não funciona",
    "o acabamento é horrível",
    "veio com peças soltas e mal acabadas",
    "parou de funcionar depois de dois dias",
    "a qualidade deixa muito a desejar",
    "{produto} descascou com pouco uso",
]
WRONG_ITEM = [
    "veio o produto errado",
    "comprei duas unidades e veio só uma",
    "faltou uma peça no pacote",
    "recebi a cor diferente da que pedi",
    "veio outro modelo, não o que eu comprei",
    "o pedido veio incompleto",
    "mandaram um tamanho diferente do que escolhi",
    "na caixa não estava {produto} que comprei",
]
SELLER = [
    "o vendedor não responde as mensagens",
    "entrei em contato com a loja e ninguém resolveu",
    "atendimento péssimo",
    "pedi a troca e até agora nada",
    "a loja ignora minhas reclamações",
    "solicitei o cancelamento e ninguém me respondeu",
]
PRICE = [
    "achei caro pelo que é",
    "o frete saiu mais caro que o produto",
    "o preço não compensa",
    "paguei caro e não vale",
    "depois encontrei bem mais barato em outro lugar",
    "caro demais para o tamanho",
]
OTHER = [
    "a nota fiscal não veio junto",
    "cobraram duas vezes no cartão",
    "o site não deixa emitir a segunda via do boleto",
    "{produto} veio sem manual de instruções",
    "a embalagem era enorme para um produto tão pequeno",
]
RECOMMEND = [
    "recomendo", "recomendo a todos", "super indico", "comprarei novamente",
    "voltarei a comprar com certeza", "indico a loja", "vale a pena",
]
NOT_RECOMMEND = [
    "não recomendo", "não comprem", "nunca mais compro nessa loja", "não indico",
    "não vale a pena",
]
NEGATIVE_EXTRA = [
    "quero meu dinheiro de volta", "que decepção", "estou muito chateada", "estou muito chateado",
    "uma vergonha", "quero uma solução",
]
OPENERS = [
    "Comprei para presente.", "Primeira compra nessa loja.", "Segunda vez que compro aqui.",
    "Comprei na promoção.", "Bom dia.", "Boa tarde.", "Olá.",
]
# Joins a praise clause and a complaint in a mixed review ("produto ótimo, mas atrasou").
MIXED_CONNECTORS = [", mas ", ", só que ", ", porém ", ". Pena que ", ". Só achei ruim que "]
# Joins two complaints.
COMPLAINT_CONNECTORS = [". Além disso, ", " e ainda ", ". E ", ". Pra piorar, "]

TITLES = {
    "positivo": ["Recomendo", "Ótimo produto", "Excelente", "Super recomendo", "Nota 10", "Muito bom",
                 "Adorei"],
    "neutro": ["Razoável", "Ok", "Mais ou menos", "Regular"],
    "negativo": ["Péssimo", "Decepcionado", "Ruim", "Problema com o pedido", "Insatisfeita"],
}

# Product nouns with article, per category ("m"/"f" drives {o}, {bom}, {do_produto}).
PRODUCT_NOUNS = {
    "cama_mesa_banho": [("o jogo de cama", "m"), ("a toalha", "f"), ("o edredom", "m"),
                        ("a colcha", "f"), ("o lençol", "m")],
    "beleza_saude": [("o creme", "m"), ("o shampoo", "m"), ("a maquiagem", "f"), ("o secador", "m"),
                     ("a escova", "f")],
    "esporte_lazer": [("a bola", "f"), ("o tênis", "m"), ("a bicicleta", "f"),
                      ("o kit de halteres", "m"), ("a garrafa térmica", "f")],
    "moveis_decoracao": [("o quadro", "m"), ("o espelho", "m"), ("a luminária", "f"),
                         ("o tapete", "m"), ("a prateleira", "f")],
    "informatica_acessorios": [("o mouse", "m"), ("o teclado", "m"), ("o pendrive", "m"),
                               ("o headset", "m"), ("a mochila para notebook", "f")],
    "utilidades_domesticas": [("a panela", "f"), ("o jogo de copos", "m"), ("a garrafa", "f"),
                              ("o escorredor", "m"), ("a tábua de corte", "f")],
    "relogios_presentes": [("o relógio", "m"), ("a pulseira", "f"), ("o relógio de pulso", "m")],
    "telefonia": [("a capinha", "f"), ("o carregador", "m"), ("o fone", "m"), ("a película", "f"),
                  ("o celular", "m")],
    "ferramentas_jardim": [("a mangueira", "f"), ("o kit de ferramentas", "m"), ("o vaso", "m"),
                           ("a tesoura de poda", "f")],
    "automotivo": [("o tapete do carro", "m"), ("a capa de volante", "f"),
                   ("o som automotivo", "m"), ("a lâmpada do farol", "f")],
    "brinquedos": [("o brinquedo", "m"), ("a boneca", "f"), ("o carrinho", "m"),
                   ("o quebra-cabeça", "m"), ("o jogo de montar", "m")],
    "cool_stuff": [("a caneca", "f"), ("o boneco colecionável", "m"), ("a luminária gamer", "f")],
    "perfumaria": [("o perfume", "m"), ("a colônia", "f"), ("o desodorante", "m")],
    "bebes": [("o carrinho de bebê", "m"), ("a mamadeira", "f"), ("o body", "m"),
              ("a banheira", "f")],
    "eletronicos": [("o fone de ouvido", "m"), ("a caixinha de som", "f"), ("o cabo", "m"),
                    ("a pilha recarregável", "f")],
    "papelaria": [("o caderno", "m"), ("a agenda", "f"), ("o estojo", "m"), ("a caneta", "f")],
    "fashion_bolsas_e_acessorios": [("a bolsa", "f"), ("a carteira", "f"), ("o cinto", "m"),
                                    ("a mochila", "f")],
    "pet_shop": [("a ração", "f"), ("a caminha", "f"), ("o arranhador", "m"), ("a coleira", "f")],
    "moveis_escritorio": [("a cadeira", "f"), ("a mesa", "f"), ("a cadeira de escritório", "f")],
    "consoles_games": [("o controle", "m"), ("o jogo", "m"), ("o videogame", "m")],
    "malas_acessorios": [("a mala", "f"), ("a mala de viagem", "f")],
    "eletrodomesticos": [("o liquidificador", "m"), ("o aspirador", "m"), ("a batedeira", "f")],
    "eletroportateis": [("a cafeteira", "f"), ("a air fryer", "f"), ("o ferro de passar", "m")],
    "instrumentos_musicais": [("o violão", "m"), ("a guitarra", "f"), ("o teclado", "m")],
    "livros_interesse_geral": [("o livro", "m")],
    "livros_tecnicos": [("o livro", "m")],
    "fashion_calcados": [("o tênis", "m"), ("a sandália", "f"), ("a bota", "f")],
    "climatizacao": [("o ventilador", "m"), ("o climatizador", "m")],
    "moveis_sala": [("o rack", "m"), ("a mesa de centro", "f"), ("a poltrona", "f")],
}
GENERIC_NOUNS = [("o produto", "m"), ("a mercadoria", "f"), ("o item", "m")]

# Informal writing: (standard, informal) swaps applied to a share of comments.
ABBREVIATIONS = [
    ("você", "vc"), ("não", "nao"), ("muito", "mto"), ("porque", "pq"), ("também", "tb"),
    ("para ", "pra "), ("está", "tá"), (" que ", " q "), ("mesmo", "msm"), ("beleza", "blz"),
]
TYPOS = [
    ("recomendo", "recomedo"), ("produto", "prodtuo"), ("chegou", "chego"), ("entrega", "entraga"),
    ("qualidade", "qualidadde"), ("excelente", "exelente"), ("atrasou", "atrazou"),
    ("defeito", "defeto"), ("dinheiro", "dinheiru"), ("vendedor", "vendendor"), ("prazo", "praso"),
    ("mas ", "mais "), ("recebi", "recibi"), ("perfeito", "perfeto"), ("compra", "conpra"),
]
ACCENTS = str.maketrans("áàâãéêíóôõúüçÁÀÂÃÉÊÍÓÔÕÚÜÇ", "aaaaeeiooouucAAAAEEIOOOUUC")
