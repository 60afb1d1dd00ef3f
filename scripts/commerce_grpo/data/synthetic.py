"""Seeded synthetic commerce data with Olist's schema and marginals, generated in bulk with numpy.

Every table is drawn column-wise (no per-row Python loops), so 100k orders take seconds. The
generator keeps Olist's structure: one ``customer_id`` per order and a ``customer_unique_id`` per
person (~3 % repeat buyers), products owned by sellers, several items per order, vouchers on top
of a main payment, and late deliveries that drive low review scores (``reviews``).
"""
import numpy as np
import pandas as pd
from scipy import stats

from . import marginals
from .ids import hex_ids
from .reviews import generate_reviews

REPEAT_BUYER_SHARE = 0.03
DELIVERY_SHAPE = 2.2  # gamma shape of delivery times (Olist's are right-skewed, cv ≈ 0.7)
SECONDS_PER_DAY = 86400


def generate(orders: int, seed: int) -> dict[str, pd.DataFrame]:
    """All tables of a synthetic commerce.db with ``orders`` orders: table name → DataFrame."""
    rng = np.random.default_rng(seed)
    n = orders
    customers = _customers(rng, n)
    sellers = _people(rng, max(10, round(n * 3095 / 99441)), marginals.SELLER_STATES, "seller")
    sellers.insert(0, "seller_id", hex_ids(rng, len(sellers)))
    products = _products(rng, max(30, round(n * 32951 / 99441)), len(sellers))

    order_frame, delivery = _orders(rng, n, customers)
    items = _items(rng, order_frame, products, sellers, customers)
    payments = _payments(rng, order_frame["order_id"].to_numpy(), items)
    first_item = items[items["order_item_id"] == 1].set_index("order_id")
    delivery["category"] = products["product_category_name"].to_numpy()[
        first_item.loc[delivery["order_id"], "product_index"].to_numpy()]
    reviews, facts = generate_reviews(rng, delivery)

    products = products.drop(columns=["price_cents", "seller_index"])
    items = items.drop(columns=["product_index"])
    return {
        "customers": customers,
        "geolocation": _geolocation(rng, customers, sellers),
        "order_items": items,
        "order_payments": payments,
        "order_reviews": reviews,
        "orders": order_frame,
        "products": products,
        "sellers": sellers,
        "category_translation": pd.DataFrame(
            [(pt, en) for pt, en, _, _ in marginals.CATEGORIES],
            columns=["product_category_name", "product_category_name_english"]),
        "review_facts": facts,
    }


def _weights(table: dict) -> tuple[np.ndarray, np.ndarray]:
    keys = np.array(list(table))
    p = np.array(list(table.values()), dtype=float)
    return keys, p / p.sum()


def _draw(rng, table: dict, size: int) -> np.ndarray:
    keys, p = _weights(table)
    return keys[rng.choice(len(keys), size=size, p=p)]


def _customers(rng, n: int) -> pd.DataFrame:
    """One customer_id per order (as in Olist); ~3 % of orders come from a person who bought
    before, who keeps their customer_unique_id and address."""
    people = _people(rng, n, marginals.CUSTOMER_STATES, "customer")
    unique_id = hex_ids(rng, n)
    repeat = np.flatnonzero(rng.random(n) < REPEAT_BUYER_SHARE)
    source = rng.integers(0, n, repeat.size)
    unique_id[repeat] = unique_id[source]
    people.iloc[repeat] = people.iloc[source].to_numpy()
    people.insert(0, "customer_id", hex_ids(rng, n))
    people.insert(1, "customer_unique_id", unique_id)
    return people


def _people(rng, n: int, state_weights: dict, prefix: str) -> pd.DataFrame:
    """State, city and zip prefix for ``n`` customers or sellers."""
    state = _draw(rng, state_weights, n)
    city = np.empty(n, dtype=object)
    zip_code = np.empty(n, dtype=np.int64)
    for st in np.unique(state):
        rows = np.flatnonzero(state == st)
        city[rows] = _draw(rng, marginals.CITIES[st], rows.size)
        low, high = marginals.ZIP_RANGES[st]
        zip_code[rows] = rng.integers(low, high, rows.size)
    return pd.DataFrame({
        f"{prefix}_zip_code_prefix": np.char.zfill(zip_code.astype(str), 5),
        f"{prefix}_city": city.astype(str),
        f"{prefix}_state": state,
    })


def _products(rng, n: int, n_sellers: int) -> pd.DataFrame:
    names = [c[0] for c in marginals.CATEGORIES]
    shares = np.array([c[2] for c in marginals.CATEGORIES])
    shares = shares / shares.sum() * (1 - marginals.NULL_CATEGORY_SHARE)
    cat_index = rng.choice(len(names) + 1, size=n, p=np.append(shares, marginals.NULL_CATEGORY_SHARE))
    category = np.append(np.array(names, dtype=object), None)[cat_index]
    median_price = np.append(np.array([c[3] for c in marginals.CATEGORIES], float), 80.0)[cat_index]
    price = np.maximum(median_price * rng.lognormal(0.0, 0.7, n), 3.0)
    # Seller sizes are very unequal in Olist: a few sellers own most of the catalogue.
    seller_weight = rng.lognormal(0.0, 1.5, n_sellers)
    return pd.DataFrame({
        "product_id": hex_ids(rng, n),
        "product_category_name": category,
        "product_name_lenght": np.clip(rng.normal(48, 10, n), 5, 76).astype(np.int64),
        "product_description_lenght": np.clip(rng.lognormal(6.4, 0.7, n), 4, 3992).astype(np.int64),
        "product_photos_qty": rng.choice([1, 2, 3, 4, 5, 6], size=n, p=[0.5, 0.2, 0.12, 0.08, 0.06, 0.04]),
        "product_weight_g": np.clip(rng.lognormal(6.6, 1.2, n), 50, 40425).astype(np.int64),
        "product_length_cm": np.clip(rng.lognormal(3.2, 0.5, n), 7, 105).astype(np.int64),
        "product_height_cm": np.clip(rng.lognormal(2.6, 0.7, n), 2, 105).astype(np.int64),
        "product_width_cm": np.clip(rng.lognormal(3.0, 0.5, n), 6, 118).astype(np.int64),
        "price_cents": np.round(price * 100).astype(np.int64),
        "seller_index": rng.choice(n_sellers, size=n, p=seller_weight / seller_weight.sum()),
    })


def _purchase_times(rng, n: int) -> np.ndarray:
    """Purchase timestamps following Olist's monthly volume, bounded to 2016-09-04..2018-10-17."""
    months = _draw(rng, marginals.MONTHLY_ORDERS, n)
    start = np.maximum(months.astype("datetime64[M]").astype("datetime64[s]"),
                       np.datetime64(marginals.FIRST_PURCHASE, "s"))
    end = np.minimum((months.astype("datetime64[M]") + 1).astype("datetime64[s]"),
                     np.datetime64(marginals.LAST_PURCHASE, "s") + SECONDS_PER_DAY)
    span = (end - start).astype(np.int64)
    # Daytime purchases dominate: a triangular draw over the day peaks in the afternoon.
    day = np.floor(rng.random(n) * (span // SECONDS_PER_DAY)).astype(np.int64)
    second = np.clip(rng.triangular(6, 15, 24.99, n) * 3600, 0, SECONDS_PER_DAY - 1).astype(np.int64)
    return start + (day * SECONDS_PER_DAY + second).astype("timedelta64[s]")


def _orders(rng, n: int, customers: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """orders rows, and per-order delivery facts (for reviews)."""
    purchase = _purchase_times(rng, n)
    status = _draw(rng, marginals.ORDER_STATUS, n)
    state = customers["customer_state"].to_numpy()
    mean_days = pd.Series(state).map(marginals.DELIVERY_DAYS).to_numpy(float)
    late_rate = pd.Series(state).map(marginals.LATE_RATE).to_numpy(float)
    scale = mean_days / DELIVERY_SHAPE
    delivery_days = np.maximum(rng.gamma(DELIVERY_SHAPE, scale), 0.8)
    # The estimate sits at the delivery-time quantile that leaves the state's late share beyond it.
    estimate_days = np.ceil(stats.gamma.ppf(1 - late_rate, DELIVERY_SHAPE, scale=scale)
                            * rng.uniform(0.95, 1.05, n)).astype(np.int64)

    def after(base, days):
        return base + np.round(np.asarray(days) * SECONDS_PER_DAY).astype("timedelta64[s]")

    approved = after(purchase, rng.exponential(0.4, n))
    delivered = after(purchase, delivery_days)
    carrier = after(approved, delivery_days * rng.uniform(0.15, 0.45, n))
    estimated = (purchase.astype("datetime64[D]") + estimate_days.astype("timedelta64[D]")).astype("datetime64[s]")
    nat = np.datetime64("NaT", "s")
    is_delivered = status == "delivered"
    has_carrier = np.isin(status, ["delivered", "shipped"])
    frame = pd.DataFrame({
        "order_id": hex_ids(rng, n),
        "customer_id": customers["customer_id"].to_numpy(),
        "order_status": status,
        "order_purchase_timestamp": purchase,
        "order_approved_at": np.where(np.isin(status, ["created", "canceled"]) & (rng.random(n) < 0.8),
                                      nat, approved),
        "order_delivered_carrier_date": np.where(has_carrier, carrier, nat),
        "order_delivered_customer_date": np.where(is_delivered, delivered, nat),
        "order_estimated_delivery_date": estimated,
    })
    delivered_day = delivered.astype("datetime64[D]")
    estimated_day = estimated.astype("datetime64[D]")
    lateness = (delivered_day - estimated_day).astype(np.int64)
    delivery = pd.DataFrame({
        "order_id": frame["order_id"],
        "group": np.where(~is_delivered, "undelivered", np.where(lateness > 0, "late", "on_time")),
        "days_late": np.maximum(lateness, 0),
        "days_early": np.maximum(-lateness, 0),
        "purchased": purchase,
        "delivered": delivered,
        "estimated": estimated,
    })
    return frame, delivery


def _items(rng, orders: pd.DataFrame, products: pd.DataFrame, sellers: pd.DataFrame,
           customers: pd.DataFrame) -> pd.DataFrame:
    """order_items: 1-6 items per order; extra items repeat the first product more often than not."""
    n = len(orders)
    counts = _draw(rng, marginals.ITEMS_PER_ORDER, n).astype(np.int64)
    order_index = np.repeat(np.arange(n), counts)
    item_number = np.arange(order_index.size) - np.repeat(np.cumsum(counts) - counts, counts) + 1
    popularity = rng.pareto(1.2, len(products)) + 1
    product = rng.choice(len(products), size=order_index.size, p=popularity / popularity.sum())
    first = product[np.cumsum(counts) - counts]
    repeat_first = (item_number > 1) & (rng.random(order_index.size) < 0.6)
    product = np.where(repeat_first, first[order_index], product)

    seller = products["seller_index"].to_numpy()[product]
    weight_kg = products["product_weight_g"].to_numpy()[product] / 1000
    same_state = sellers["seller_state"].to_numpy()[seller] == customers["customer_state"].to_numpy()[order_index]
    far = np.isin(customers["customer_state"].to_numpy()[order_index],
                  marginals.REGIONS["Norte"] + marginals.REGIONS["Nordeste"])
    freight = (9 + 1.8 * weight_kg + 6 * ~same_state + 9 * far) * rng.lognormal(0, 0.3, order_index.size)
    approved = orders["order_purchase_timestamp"].to_numpy()[order_index]
    return pd.DataFrame({
        "order_id": orders["order_id"].to_numpy()[order_index],
        "order_item_id": item_number,
        "product_id": products["product_id"].to_numpy()[product],
        "seller_id": sellers["seller_id"].to_numpy()[seller],
        "shipping_limit_date": approved + np.timedelta64(6 * SECONDS_PER_DAY, "s"),
        "price": products["price_cents"].to_numpy()[product] / 100,
        "freight_value": np.round(freight, 2),
        "product_index": product,
    })


def _payments(rng, order_ids: np.ndarray, items: pd.DataFrame) -> pd.DataFrame:
    """order_payments: one main payment per order, plus a voucher on ~3 % of them; sums match items."""
    n = order_ids.size
    per_order = items.groupby("order_id", sort=False)[["price", "freight_value"]].sum().sum(axis=1)
    total_cents = np.round(per_order.reindex(order_ids).to_numpy() * 100).astype(np.int64)
    kind = _draw(rng, marginals.PAYMENT_TYPES, n)
    installments = np.where(kind == "credit_card", _draw(rng, marginals.CREDIT_INSTALLMENTS, n), 1)
    voucher = np.isin(kind, ["credit_card", "boleto"]) & (rng.random(n) < marginals.EXTRA_VOUCHER_SHARE)
    voucher_cents = np.where(voucher, np.round(total_cents * rng.uniform(0.1, 0.5, n)), 0).astype(np.int64)
    main = pd.DataFrame({
        "order_id": order_ids,
        "payment_sequential": 1,
        "payment_type": kind,
        "payment_installments": installments.astype(np.int64),
        "payment_value": (total_cents - voucher_cents) / 100,
    })
    extra = pd.DataFrame({
        "order_id": order_ids[voucher],
        "payment_sequential": 2,
        "payment_type": "voucher",
        "payment_installments": 1,
        "payment_value": voucher_cents[voucher] / 100,
    })
    return pd.concat([main, extra], ignore_index=True).sort_values(
        ["order_id", "payment_sequential"], kind="stable", ignore_index=True)


def _geolocation(rng, customers: pd.DataFrame, sellers: pd.DataFrame) -> pd.DataFrame:
    """One to three coordinates per zip prefix in use, scattered around the state's capital."""
    places = pd.concat([
        customers[["customer_zip_code_prefix", "customer_city", "customer_state"]].set_axis(
            ["zip", "city", "state"], axis=1),
        sellers[["seller_zip_code_prefix", "seller_city", "seller_state"]].set_axis(
            ["zip", "city", "state"], axis=1),
    ]).drop_duplicates("zip").sort_values("zip", kind="stable")
    copies = rng.integers(1, 4, len(places))
    places = places.iloc[np.repeat(np.arange(len(places)), copies)]
    centre = np.array([marginals.STATE_CENTRES[s] for s in marginals.STATE_CENTRES])
    state_index = pd.Index(list(marginals.STATE_CENTRES)).get_indexer(places["state"])
    lat_lng = centre[state_index] + rng.normal(0, 0.6, (len(places), 2))
    return pd.DataFrame({
        "geolocation_zip_code_prefix": places["zip"].to_numpy(),
        "geolocation_lat": lat_lng[:, 0].round(6),
        "geolocation_lng": lat_lng[:, 1].round(6),
        "geolocation_city": places["city"].to_numpy(),
        "geolocation_state": places["state"].to_numpy(),
    })
