"""Olist's published marginals, the targets of the synthetic generator.

Figures are the public Olist Brazilian E-Commerce dataset's (~99k orders, 2016-09 to 2018-10),
rounded. Weights need not sum to one; the generator normalises them. Cities are lowercase and
unaccented, as Olist writes them.
"""

# Share of customers per state (Olist: SP ≈ 42 %).
CUSTOMER_STATES = {
    "SP": 41746, "RJ": 12852, "MG": 11635, "RS": 5466, "PR": 5045, "SC": 3637, "BA": 3380,
    "DF": 2140, "ES": 2033, "GO": 2020, "PE": 1652, "CE": 1336, "PA": 975, "MT": 907, "MA": 747,
    "MS": 715, "PB": 536, "PI": 495, "RN": 485, "AL": 413, "SE": 350, "TO": 280, "RO": 253,
    "AM": 148, "AC": 81, "AP": 68, "RR": 46,
}
SELLER_STATES = {
    "SP": 1849, "PR": 349, "MG": 244, "SC": 190, "RJ": 171, "RS": 129, "GO": 40, "DF": 30,
    "ES": 23, "BA": 19, "CE": 13, "PE": 9, "PB": 6, "MS": 5, "RN": 5, "MT": 4, "RO": 2, "SE": 2,
    "PI": 1, "AM": 1, "MA": 1, "PA": 1, "AC": 1,
}
REGIONS = {
    "Sudeste": ("SP", "RJ", "MG", "ES"),
    "Sul": ("PR", "SC", "RS"),
    "Nordeste": ("BA", "PE", "CE", "MA", "PB", "PI", "RN", "AL", "SE"),
    "Norte": ("PA", "AM", "RO", "TO", "AC", "AP", "RR"),
    "Centro-Oeste": ("DF", "GO", "MT", "MS"),
}
STATE_NAMES = {
    "SP": "São Paulo", "RJ": "Rio de Janeiro", "MG": "Minas Gerais", "RS": "Rio Grande do Sul",
    "PR": "Paraná", "SC": "Santa Catarina", "BA": "Bahia", "DF": "Distrito Federal",
    "ES": "Espírito Santo", "GO": "Goiás", "PE": "Pernambuco", "CE": "Ceará", "PA": "Pará",
    "MT": "Mato Grosso", "MA": "Maranhão", "MS": "Mato Grosso do Sul", "PB": "Paraíba",
    "PI": "Piauí", "RN": "Rio Grande do Norte", "AL": "Alagoas", "SE": "Sergipe",
    "TO": "Tocantins", "RO": "Rondônia", "AM": "Amazonas", "AC": "Acre", "AP": "Amapá",
    "RR": "Roraima",
}
# Mean days from purchase to delivery, and the share delivered after the estimate, per state.
DELIVERY_DAYS = {
    "SP": 8.3, "PR": 11.5, "MG": 11.5, "DF": 12.5, "SC": 14.5, "RJ": 14.8, "RS": 14.8, "GO": 15.2,
    "MS": 15.2, "ES": 15.3, "TO": 17.2, "MT": 17.6, "PE": 18.0, "RO": 18.9, "RN": 18.8, "BA": 18.9,
    "PI": 18.9, "PB": 19.9, "AC": 20.6, "CE": 20.8, "SE": 21.0, "MA": 21.1, "PA": 23.3, "AL": 24.0,
    "AM": 25.9, "AP": 26.7, "RR": 29.0,
}
LATE_RATE = {
    "SP": 0.059, "RJ": 0.135, "MG": 0.056, "RS": 0.072, "PR": 0.050, "SC": 0.099, "BA": 0.140,
    "DF": 0.070, "ES": 0.122, "GO": 0.082, "PE": 0.108, "CE": 0.153, "PA": 0.124, "MT": 0.068,
    "MA": 0.197, "MS": 0.115, "PB": 0.111, "PI": 0.160, "RN": 0.109, "AL": 0.239, "SE": 0.165,
    "TO": 0.128, "RO": 0.029, "AM": 0.041, "AC": 0.037, "AP": 0.045, "RR": 0.122,
}
# First five digits of the CEP, [low, high) per state.
ZIP_RANGES = {
    "SP": (1000, 20000), "RJ": (20000, 29000), "ES": (29000, 30000), "MG": (30000, 40000),
    "BA": (40000, 49000), "SE": (49000, 50000), "PE": (50000, 57000), "AL": (57000, 58000),
    "PB": (58000, 59000), "RN": (59000, 60000), "CE": (60000, 64000), "PI": (64000, 65000),
    "MA": (65000, 66000), "PA": (66000, 68900), "AP": (68900, 69000), "AM": (69000, 69300),
    "RR": (69300, 69400), "AC": (69900, 70000), "DF": (70000, 72800), "GO": (72800, 76800),
    "RO": (76800, 77000), "TO": (77000, 78000), "MT": (78000, 78900), "MS": (79000, 80000),
    "PR": (80000, 88000), "SC": (88000, 90000), "RS": (90000, 100000),
}
# Latitude and longitude of each state's capital: geolocation rows scatter around it.
STATE_CENTRES = {
    "SP": (-23.55, -46.63), "RJ": (-22.91, -43.17), "MG": (-19.92, -43.94), "RS": (-30.03, -51.23),
    "PR": (-25.43, -49.27), "SC": (-27.59, -48.55), "BA": (-12.97, -38.50), "DF": (-15.78, -47.93),
    "ES": (-20.32, -40.34), "GO": (-16.68, -49.25), "PE": (-8.05, -34.88), "CE": (-3.73, -38.52),
    "PA": (-1.46, -48.50), "MT": (-15.60, -56.10), "MA": (-2.53, -44.30), "MS": (-20.44, -54.65),
    "PB": (-7.12, -34.86), "PI": (-5.09, -42.80), "RN": (-5.79, -35.21), "AL": (-9.67, -35.74),
    "SE": (-10.91, -37.07), "TO": (-10.18, -48.33), "RO": (-8.76, -63.90), "AM": (-3.12, -60.02),
    "AC": (-9.97, -67.81), "AP": (0.03, -51.07), "RR": (2.82, -60.67),
}
CITIES = {
    "SP": {"sao paulo": 38, "guarulhos": 4.5, "campinas": 3.5, "sao bernardo do campo": 2.3,
           "santo andre": 2, "osasco": 1.8, "sao jose dos campos": 1.8, "santos": 1.7,
           "sorocaba": 1.6, "jundiai": 1.4, "ribeirao preto": 1.2, "mogi das cruzes": 0.9,
           "piracicaba": 0.8, "barueri": 0.8, "franca": 0.4, "bauru": 0.6, "limeira": 0.4},
    "RJ": {"rio de janeiro": 53, "niteroi": 7, "sao goncalo": 6, "nova iguacu": 4,
           "duque de caxias": 4, "campos dos goytacazes": 3, "petropolis": 3, "volta redonda": 3,
           "belford roxo": 2},
    "MG": {"belo horizonte": 24, "contagem": 5, "juiz de fora": 4.5, "uberlandia": 4, "betim": 3,
           "montes claros": 2, "uberaba": 2, "divinopolis": 2, "governador valadares": 1.5,
           "ipatinga": 1.5},
    "RS": {"porto alegre": 26, "caxias do sul": 6, "canoas": 5, "pelotas": 4, "santa maria": 4,
           "novo hamburgo": 3.5, "gravatai": 3, "passo fundo": 2.5},
    "PR": {"curitiba": 30, "londrina": 7, "maringa": 5, "ponta grossa": 3.5, "cascavel": 3,
           "sao jose dos pinhais": 3, "foz do iguacu": 2.5, "colombo": 2},
    "SC": {"florianopolis": 15, "joinville": 11, "blumenau": 8, "sao jose": 6, "itajai": 4,
           "criciuma": 4, "balneario camboriu": 4, "chapeco": 3.5, "palhoca": 3},
    "BA": {"salvador": 39, "feira de santana": 6, "vitoria da conquista": 4, "lauro de freitas": 4,
           "camacari": 3, "itabuna": 2.5, "ilheus": 2, "juazeiro": 1.5},
    "DF": {"brasilia": 90, "taguatinga": 5, "ceilandia": 5},
    "ES": {"vila velha": 25, "vitoria": 25, "serra": 18, "cariacica": 12,
           "cachoeiro de itapemirim": 6, "linhares": 5, "guarapari": 4},
    "GO": {"goiania": 50, "aparecida de goiania": 12, "anapolis": 9, "rio verde": 5,
           "luziania": 3, "catalao": 3},
    "PE": {"recife": 45, "jaboatao dos guararapes": 11, "olinda": 8, "caruaru": 6,
           "petrolina": 6, "paulista": 5},
    "CE": {"fortaleza": 70, "juazeiro do norte": 5, "caucaia": 5, "sobral": 4, "maracanau": 4},
    "PA": {"belem": 50, "ananindeua": 12, "santarem": 8, "maraba": 7, "castanhal": 5},
    "MT": {"cuiaba": 42, "varzea grande": 13, "rondonopolis": 10, "sinop": 8,
           "tangara da serra": 4},
    "MA": {"sao luis": 55, "imperatriz": 12, "timon": 5, "caxias": 4, "sao jose de ribamar": 4},
    "MS": {"campo grande": 62, "dourados": 10, "tres lagoas": 5, "corumba": 4, "ponta pora": 3},
    "PB": {"joao pessoa": 55, "campina grande": 20, "santa rita": 4, "patos": 4},
    "PI": {"teresina": 70, "parnaiba": 8, "picos": 5},
    "RN": {"natal": 60, "mossoro": 12, "parnamirim": 12},
    "AL": {"maceio": 75, "arapiraca": 12},
    "SE": {"aracaju": 70, "nossa senhora do socorro": 8, "lagarto": 5},
    "TO": {"palmas": 45, "araguaina": 20, "gurupi": 10},
    "RO": {"porto velho": 45, "ji-parana": 15, "ariquemes": 10, "vilhena": 10},
    "AM": {"manaus": 95, "parintins": 5},
    "AC": {"rio branco": 90, "cruzeiro do sul": 10},
    "AP": {"macapa": 85, "santana": 15},
    "RR": {"boa vista": 100},
}

# Olist category (Portuguese), English translation as in Olist's translation file (its typos
# included), share of order items (%), and median item price (R$).
CATEGORIES = [
    ("cama_mesa_banho", "bed_bath_table", 10.0, 80),
    ("beleza_saude", "health_beauty", 8.6, 90),
    ("esporte_lazer", "sports_leisure", 7.7, 80),
    ("moveis_decoracao", "furniture_decor", 7.4, 75),
    ("informatica_acessorios", "computers_accessories", 6.9, 80),
    ("utilidades_domesticas", "housewares", 6.2, 60),
    ("relogios_presentes", "watches_gifts", 5.3, 130),
    ("telefonia", "telephony", 4.0, 30),
    ("ferramentas_jardim", "garden_tools", 3.9, 60),
    ("automotivo", "auto", 3.8, 75),
    ("brinquedos", "toys", 3.7, 80),
    ("cool_stuff", "cool_stuff", 3.4, 140),
    ("perfumaria", "perfumery", 3.1, 80),
    ("bebes", "baby", 2.7, 90),
    ("eletronicos", "electronics", 2.5, 35),
    ("papelaria", "stationery", 2.2, 70),
    ("fashion_bolsas_e_acessorios", "fashion_bags_accessories", 1.8, 40),
    ("pet_shop", "pet_shop", 1.7, 60),
    ("moveis_escritorio", "office_furniture", 1.5, 180),
    ("consoles_games", "consoles_games", 1.0, 90),
    ("malas_acessorios", "luggage_accessories", 1.0, 120),
    ("construcao_ferramentas_construcao", "construction_tools_construction", 0.8, 80),
    ("eletrodomesticos", "home_appliances", 0.7, 55),
    ("instrumentos_musicais", "musical_instruments", 0.6, 120),
    ("eletroportateis", "small_appliances", 0.6, 150),
    ("casa_construcao", "home_construction", 0.5, 80),
    ("livros_interesse_geral", "books_general_interest", 0.5, 40),
    ("alimentos", "food", 0.45, 30),
    ("moveis_sala", "furniture_living_room", 0.45, 100),
    ("casa_conforto", "home_confort", 0.39, 90),
    ("bebidas", "drinks", 0.34, 50),
    ("audio", "audio", 0.32, 80),
    ("market_place", "market_place", 0.28, 60),
    ("construcao_ferramentas_iluminacao", "construction_tools_lights", 0.27, 60),
    ("climatizacao", "air_conditioning", 0.26, 100),
    ("moveis_cozinha_area_de_servico_jantar_e_jardim", "kitchen_dining_laundry_garden_furniture", 0.25, 130),
    ("alimentos_bebidas", "food_drink", 0.24, 35),
    ("industria_comercio_e_negocios", "industry_commerce_and_business", 0.24, 100),
    ("livros_tecnicos", "books_technical", 0.24, 60),
    ("telefonia_fixa", "fixed_telephony", 0.23, 60),
    ("fashion_calcados", "fashion_shoes", 0.23, 80),
    ("eletrodomesticos_2", "home_appliances_2", 0.21, 350),
    ("construcao_ferramentas_jardim", "costruction_tools_garden", 0.21, 50),
    ("agro_industria_e_comercio", "agro_industry_and_commerce", 0.19, 120),
    ("artes", "art", 0.18, 70),
    ("pcs", "computers", 0.18, 1100),
    ("sinalizacao_e_seguranca", "signaling_and_security", 0.18, 60),
    ("construcao_ferramentas_seguranca", "construction_tools_safety", 0.17, 100),
    ("artigos_de_natal", "christmas_supplies", 0.13, 40),
    ("fashion_roupa_masculina", "fashion_male_clothing", 0.11, 70),
    ("moveis_quarto", "furniture_bedroom", 0.09, 100),
]
# Olist leaves ~1.3 % of products without a category.
NULL_CATEGORY_SHARE = 0.013

# Orders per purchase month (Olist's volume curve; 2017-11 is Black Friday).
MONTHLY_ORDERS = {
    "2016-09": 4, "2016-10": 324, "2016-12": 1,
    "2017-01": 800, "2017-02": 1780, "2017-03": 2682, "2017-04": 2404, "2017-05": 3700,
    "2017-06": 3245, "2017-07": 4026, "2017-08": 4331, "2017-09": 4285, "2017-10": 4631,
    "2017-11": 7544, "2017-12": 5673,
    "2018-01": 7269, "2018-02": 6728, "2018-03": 7211, "2018-04": 6939, "2018-05": 6873,
    "2018-06": 6167, "2018-07": 6292, "2018-08": 6512, "2018-09": 16, "2018-10": 4,
}
ORDER_STATUS = {
    "delivered": 96478, "shipped": 1107, "canceled": 625, "unavailable": 609, "invoiced": 314,
    "processing": 301, "created": 5, "approved": 2,
}
ITEMS_PER_ORDER = {1: 88863, 2: 7516, 3: 1322, 4: 505, 5: 204, 6: 198}
# Payment method of an order's main payment; ~3 % of orders add a voucher on top.
PAYMENT_TYPES = {"credit_card": 0.766, "boleto": 0.199, "debit_card": 0.0154, "voucher": 0.0196}
EXTRA_VOUCHER_SHARE = 0.03
CREDIT_INSTALLMENTS = {
    1: 33.0, 2: 16.0, 3: 13.5, 4: 9.4, 5: 6.8, 6: 5.1, 7: 2.1, 8: 5.6, 9: 0.8, 10: 7.6, 12: 0.2,
}

# Review scores (the issue's targets) and how delivery shapes them.
REVIEW_SCORES = {5: 0.578, 4: 0.193, 3: 0.082, 2: 0.032, 1: 0.115}
SCORES_WHEN_LATE = {5: 0.20, 4: 0.12, 3: 0.13, 2: 0.09, 1: 0.46}
SCORES_WHEN_UNDELIVERED = {5: 0.08, 4: 0.04, 3: 0.08, 2: 0.08, 1: 0.72}
# Share of reviews with a comment, per score (≈ 41 % overall, as in Olist).
COMMENT_RATE = {5: 0.34, 4: 0.30, 3: 0.56, 2: 0.67, 1: 0.76}
TITLE_RATE = 0.12

FIRST_PURCHASE = "2016-09-04"
LAST_PURCHASE = "2018-10-17"
