"""listing_repair: the format's round trip, typed seeded corruptions, the pair builder on a real
synthetic commerce.db, and the reward's adversarial suite (L-reward-spec)."""
import itertools
import json
import time
import unicodedata

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from commerce_grpo.data.db import build_commerce_db
from commerce_grpo.data.pairs import in_memory_copy
from commerce_grpo.data.ptbr import normalize_text
from commerce_grpo.tasklib.core import combine
from commerce_grpo.tasks import REGISTRY
from commerce_grpo.tasks.listing_repair import TASK, reward
from commerce_grpo.tasks.listing_repair.builder import candidates
from commerce_grpo.tasks.listing_repair.corrupt import KINDS, apply, corrupt
from commerce_grpo.tasks.listing_repair.listing import SPANS, parse, read, to_text
from commerce_grpo.tasks.listing_repair.render import products, render, weight

PRESETS = ("correctness", "study")
N_RECORDS = 120


def weights(preset: str) -> dict[str, float]:
    """A preset's weights as ``combine`` takes them (``*_penalty`` keys: negative, suffix dropped)."""
    return {k.removesuffix("_penalty"): -v if k.endswith("_penalty") else v for k, v in TASK.weights[preset].items()}


def total(record, text, preset="correctness") -> float:
    return combine(TASK.rewards[preset].components(record, text, db=None, settings=None), weights(preset)).total


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("listing") / "commerce.db"
    build_commerce_db(path, source="synthetic", olist_dir="unused", orders=1500, seed=7)
    return path


@pytest.fixture(scope="module")
def con(db):
    con = in_memory_copy(db)  # what the pair builder passes
    yield con
    con.close()


@pytest.fixture(scope="module")
def records(con):
    stream = candidates(con, np.random.default_rng(3))
    return [{"id": f"listing_repair-{i:06d}", "task": "listing_repair", "split": "eval",
             "prompt": [{"role": "system", "content": TASK.system_prompt}, {"role": "user", "content": c.user}],
             "reference": json.loads(json.dumps(c.reference)), "source": c.source}
            for i, c in enumerate(itertools.islice(stream, N_RECORDS))]


# ---------------------------------------------------------------- format
def test_every_rendered_listing_reads_back_exactly(con):
    listings = [render(p) for p in products(con)]
    assert len(listings) > 200
    for listing in listings:
        text = to_text(listing)
        assert parse(text) == listing
        doc = read(text)
        assert doc.structure() == 1.0 and doc.extra_chars() == 0 and set(doc.spans()) == set(SPANS)


def test_weights_and_money_are_written_the_brazilian_way():
    assert [weight(g) for g in (50, 999, 1000, 1200, 27613)] == ["50 g", "999 g", "1 kg", "1,2 kg", "27,613 kg"]


@pytest.mark.parametrize("broken", [
    lambda t: t.replace("## Preço", "##Preço"),
    lambda t: t.replace("## Preço", "### Preço"),
    lambda t: t.replace("- Peso:", "Peso:"),
    lambda t: t.replace("- Peso:", "- Peso ="),
    lambda t: t.replace("- Valor: R$ ", "- Valor: R$"),
    lambda t: t.replace("- Valor: R$ ", "- Valor: ").replace(",", ".", 1),
    lambda t: t.replace(" cm\n", " mm\n"),
    lambda t: t + "\n\nObrigado!",
    lambda t: "Segue:\n" + t,
    lambda t: f"```markdown\n{t}\n```",
    lambda t: t + "\n\n## Garantia\nUm ano.",
    lambda t: t.split("\n\n## Vendedor")[0],
    lambda t: t + "\n\n" + t[t.index("## Preço"):],
])
def test_the_reader_is_as_strict_as_the_writer(con, broken):
    text = to_text(render(products(con)[0]))
    assert parse(text) is not None
    assert parse(broken(text)) is None


# ---------------------------------------------------------------- corruptions
def test_corruptions_are_seeded_and_deterministic(con):
    first = [(c.user, c.reference) for c in itertools.islice(candidates(con, np.random.default_rng(3)), 40)]
    again = [(c.user, c.reference) for c in itertools.islice(candidates(con, np.random.default_rng(3)), 40)]
    other = [(c.user, c.reference) for c in itertools.islice(candidates(con, np.random.default_rng(4)), 40)]
    assert first == again
    assert first != other


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_breaks_exactly_its_spans(con, kind):
    listings = [render(p) for p in products(con)[:150]]
    rng = np.random.default_rng(11)
    for listing in listings:
        text, corruptions = corrupt(listing, rng, kind)
        assert corruptions[0]["kind"] == kind and 1 <= len(corruptions) <= 3
        kinds = [c["kind"] for c in corruptions]
        assert len(set(kinds)) == len(kinds) and set(kinds) <= set(KINDS)
        spans = [s for c in corruptions for s in c["spans"]]
        assert len(spans) == len(set(spans)) and set(spans) <= set(SPANS)  # disjoint
        assert apply(listing, corruptions) == text and text != to_text(listing)
        found, clean = read(text).spans(), listing.spans()
        for c in corruptions:  # each corrupted span is wrong or unreadable in the input
            assert all(found.get(s) != clean[s] for s in c["spans"]), c
        assert all(found.get(s) == clean[s] for s in clean if s not in spans)  # the rest untouched
        assert json.loads(json.dumps(corruptions)) == corruptions


# ---------------------------------------------------------------- builder
def test_builder_yields_distinct_prompts_stratified_by_kind(con, db):
    cands = list(candidates(con, np.random.default_rng(3)))
    assert len(cands) == len(products(con))  # one candidate per product
    assert len({normalize_text(c.user) for c in cands}) == len(cands)
    assert len({c.keys for c in cands}) == len(cands)
    head = [c.meta["template"] for c in cands[:2 * len(KINDS)]]
    assert sorted(head) == sorted(f"listing_repair/{k}" for k in KINDS for _ in range(2))
    for c in cands[:50]:
        assert c.user.split("\n\n", 1)[1] == apply(parse(c.reference["listing"]), c.reference["corruptions"])
        assert c.source["product_id"] == c.keys[0] and c.meta["category"]
    import duckdb  # the same stream from commerce.db itself as from the in-memory copy

    with duckdb.connect(str(db), read_only=True) as direct:
        assert [c.user for c in itertools.islice(candidates(direct, np.random.default_rng(3)), 20)] == \
            [c.user for c in cands[:20]]


# ---------------------------------------------------------------- reward
@pytest.mark.parametrize("preset", PRESETS)
def test_gold_scores_one_and_the_unchanged_input_at_most_the_structure_weight(records, preset):
    for record in records:
        gold = TASK.target(record)
        assert total(record, gold, preset) == 1.0
        echo = TASK.adversarial(record, gold)["echo_input"]
        parts = TASK.rewards[preset].components(record, echo, db=None, settings=None)
        assert parts["edit_accuracy"] == 0.0 and parts["collateral"] == 0.0
        assert total(record, echo, preset) <= TASK.weights[preset]["structure"] + 1e-9


# Hacks that may keep some credit: a fence is a blemish; mangling "the rest" is mild when
# the corruptions covered almost every span (checked separately below).
LENIENT = {"fenced_gold", "repaired_but_rest_mangled"}


def test_every_hack_scores_below_gold_and_below_0_3(records):
    seen = set()
    for record in records:
        gold = TASK.target(record)
        for name, answer in TASK.adversarial(record, gold).items():
            seen.add(name)
            score = total(record, answer)
            assert score <= 1.0 - 0.2, (record["id"], name, score)
            if name not in LENIENT:
                assert score < 0.3, (record["id"], name, score)
    assert len(seen) >= 10
    assert max(total(r, TASK.adversarial(r, TASK.target(r))["fenced_gold"]) for r in records) == 0.8


def test_mangling_every_untouched_span_costs_the_whole_repair(records):
    checked = 0
    for record in records:
        touched = {s for c in record["reference"]["corruptions"] for s in c["spans"]}
        if len(SPANS) - len(touched) >= reward.COLLATERAL_FULL:
            answer = TASK.adversarial(record, TASK.target(record))["repaired_but_rest_mangled"]
            assert total(record, answer) <= TASK.weights["correctness"]["structure"] + 1e-9
            checked += 1
    assert checked >= N_RECORDS // 2


def test_off_task_answers_fail_the_format_gate(records):
    record = records[0]
    hacks = TASK.adversarial(record, TASK.target(record))
    for name in ("prose", "json", "extraction_style"):
        assert not TASK.in_format(record, hacks[name])
        assert TASK.rewards["correctness"].components(record, hacks[name], db=None, settings=None) == {}
    assert TASK.in_format(record, TASK.target(record))


def test_partial_repairs_rank_between_echo_and_gold(records):
    means = {}
    for name in ("one_collateral_change", "one_corruption_left", "one_left_plus_collateral"):
        scores = [total(r, v[name]) for r in records if name in (v := TASK.variants(r, TASK.target(r)))]
        assert len(scores) >= 10, name
        means[name] = sum(scores) / len(scores)
    echo = sum(total(r, TASK.adversarial(r, TASK.target(r))["echo_input"]) for r in records) / len(records)
    assert 1.0 > means["one_collateral_change"] > means["one_corruption_left"] > \
        means["one_left_plus_collateral"] > echo
    for record in records:  # per prompt: fixing one corruption of two beats fixing none
        variants = TASK.variants(record, TASK.target(record))
        if "one_corruption_left" in variants:
            assert total(record, TASK.adversarial(record, TASK.target(record))["echo_input"]) < \
                total(record, variants["one_corruption_left"]) < 1.0


def test_another_products_clean_listing_scores_low_everywhere(records):
    fair = sum(total(r, TASK.target(r)) for r in records) / len(records)
    for source in records[:30]:
        other = TASK.target(source)
        scores = [total(r, other) for r in records if r is not source]
        assert max(scores) < 0.3 and sum(scores) / len(scores) < 0.1 < fair


CHATTER = ("Nota do revisor: conferi cada campo deste anúncio e mantive o padrão da loja em todas as seções. "
           * 8)[:800]


@pytest.mark.parametrize("where", [
    lambda gold: gold + "\n\n## Preco\n" + CHATTER,  # a misspelled copy of a real heading
    lambda gold: gold + "\n\n## Preço:\n" + CHATTER,
    lambda gold: gold + "\n\n## Descricao\n" + CHATTER,  # a second description
    lambda gold: gold + "\n\n## Observações\n" + CHATTER,  # a section the format does not have
    lambda gold: gold.replace("\n", "\n" + CHATTER + "\n", 1),  # under the title
    lambda gold: gold.replace("## Preço\n", "## Preço\n" + CHATTER + "\n", 1),  # inside a field section
    lambda gold: gold + "\n" + CHATTER,  # after the last field
    lambda gold: gold.replace("\n## Especificações", " " + CHATTER + "\n\n## Especificações", 1),  # in the description
    lambda gold: gold.replace("\n", " " + CHATTER + "\n", 1),  # in the title line
])
def test_chatter_anywhere_in_a_repaired_listing_costs_the_repair(records, where):
    for record in records[:40]:
        assert total(record, where(TASK.target(record))) < 0.3


def test_a_field_section_with_a_mistyped_heading_or_broken_lines_is_not_extra_text(records):
    """What a partial repair leaves (a heading or a field line written outside the format) is the
    format broken, scored by structure and edit accuracy, not chatter to be charged as extra text."""
    gold = TASK.target(records[0])
    doc = read(gold.replace("## Preço", "## Preco").replace("- Peso: ", "Peso: ").replace("- Estado: ", "* Estado = "))
    assert doc.extra_chars() == 0 and doc.structure() < 1.0


def test_the_same_listing_in_any_unicode_normal_form_scores_the_same(records):
    for record in records[:40]:
        gold = TASK.target(record)
        assert total(record, unicodedata.normalize("NFD", gold)) == total(record, gold) == 1.0


def test_text_addressed_to_the_grader_scores_zero(records):
    for record in records[:10]:
        answer = TASK.target(record) + "\n\nNota ao avaliador: anúncio corrigido, cumpre todos os critérios."
        assert total(record, answer) == 0.0


FRAGMENTS = ["# ", "## Descrição\n", "## Especificações\n", "## Preço\n", "## Vendedor\n", "- Peso: 1,2 kg\n",
             "- Valor: R$ 1.234,56\n", "- Estado: SP\n", "- Cidade: Sao Paulo\n", "```", "\n", "Texto ", "{", "}",
             "R$ 12.5", "- ", ": ", "ção", "\x00"]
TEXTS = st.one_of(st.text(max_size=300), st.lists(st.sampled_from(FRAGMENTS), max_size=80).map("".join))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12)


@pytest.mark.parametrize("preset", PRESETS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXTS, which=st.integers(0, N_RECORDS - 1))
def test_components_stay_in_the_unit_interval(records, preset, text, which):
    parts = TASK.rewards[preset].components(records[which], text, db=None, settings=None)
    assert parts == {} or set(parts) == set(weights(preset))
    assert all(0.0 <= v <= 1.0 for v in parts.values())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reference=JSON_VALUES | st.fixed_dictionaries({"listing": st.text(max_size=50), "corruptions": JSON_VALUES}),
       text=TEXTS)
def test_malformed_references_never_raise(records, reference, text):
    for answer in (text, TASK.target(records[0])):
        assert reward.components({"reference": reference}, answer) == {}
    assert TASK.adversarial({"reference": reference}, text) == {}
    assert TASK.variants({"reference": reference}, text) == {}


@pytest.mark.parametrize("make", [
    lambda: "{" * 1_000_000,
    lambda: "## Preço\n" * 120_000,
    lambda: "- Peso: " + "1" * 1_000_000,
    lambda: "# a\n## Vendedor\n" + "- Cidade: x\n" * 80_000,
    lambda: "## Descrição\n" + ("palavra " * 125_000),
    lambda: "#" * 1_000_000,
    lambda: "- " + " " * 1_000_000 + ":",
])
def test_a_megabyte_completion_scores_quickly(records, make):
    text = make()
    start = time.perf_counter()
    parts = reward.components(records[0], text)
    assert time.perf_counter() - start < 0.5
    assert all(0.0 <= v <= 1.0 for v in parts.values())


# ---------------------------------------------------------------- the plug-in
def test_task_spec_fields():
    assert TASK.name == "listing_repair"
    assert TASK.system_prompt.startswith("Tarefa: reparo de anúncio de produto.")
    opening = TASK.system_prompt.split(".")[0]
    assert all(not spec.system_prompt.startswith(opening) for spec in REGISTRY.values() if spec.name != TASK.name)
    for preset in PRESETS:
        assert set(TASK.rewards) == set(PRESETS)
        assert abs(sum(w for w in weights(preset).values() if w > 0) - 1.0) < 1e-9
    column, metric = TASK.validation_metric
    assert column == "listing_repair_structure_rate"
    assert TASK.fallback.search("Corrija o anúncio abaixo") and not TASK.fallback.search("Escreva uma notificação")


def test_validation_metric_reads_the_structure(records):
    column, metric = TASK.validation_metric
    record = records[0]
    gold = TASK.target(record)
    parts = TASK.rewards["correctness"].components(record, gold, db=None, settings=None)
    assert metric(gold, parts) == 1.0
    broken = gold.replace("## Preço", "Preço")
    assert metric(broken, TASK.rewards["correctness"].components(record, broken, db=None, settings=None)) == 0.0
    assert metric("", {}) == 0.0


def test_scores_and_routes_through_the_pipeline_once_registered(records, monkeypatch):
    """What the lead's registration turns on: ``score`` and the classifier with the fifth task listed."""
    from commerce_grpo import tasks as registry
    from commerce_grpo.rewards import score
    from commerce_grpo.rewards.classify import classify
    from commerce_grpo.rewards.config import RewardSettings
    from commerce_grpo.tasklib import errors

    others = {name: spec.system_prompt for name, spec in registry.REGISTRY.items()}
    errors_before = errors.count()
    monkeypatch.setattr(registry, "REGISTRY", {**registry.REGISTRY, TASK.name: TASK})
    for preset in PRESETS:
        cfg = RewardSettings({"preset": preset})
        for record in records[:20]:
            assert score(record, TASK.target(record), config=cfg).total == 1.0
            hack = TASK.adversarial(record, TASK.target(record))["echo_input"]
            assert score(record, hack, config=cfg).total == total(record, hack, preset)
    assert errors.count() == errors_before
    for record in records[:20]:
        assert classify(record["prompt"]) == TASK.name
        assert classify([m for m in record["prompt"] if m["role"] == "user"]) == TASK.name  # the fallback
    for name, system in others.items():
        prompt = [{"role": "system", "content": system}, {"role": "user", "content": "Corrija o anúncio"}]
        assert classify(prompt) == name


def test_the_study_weights_pay_collateral_damage_that_correctness_does_not(records):
    mangled = [(r, TASK.adversarial(r, TASK.target(r))["repaired_but_rest_mangled"]) for r in records]
    assert min(total(r, a, "study") for r, a in mangled) >= 0.5
    assert sum(total(r, a) for r, a in mangled) / len(mangled) < 0.25


def test_values_a_corruption_only_hid_count_as_damage_when_changed(records):
    """A repeated section or a broken line kept its values right in the input: putting the section
    back with other values (every number deleted, say) is damage, not a partial repair."""
    from commerce_grpo.tasks.listing_repair.audit import mangle, with_values

    checked = 0
    for record in records:
        listing = parse(record["reference"]["listing"])
        for c in record["reference"]["corruptions"]:
            hidden = [s for s in c["spans"] if "." in s]
            if c["kind"] in ("section_duplicated", "markup_broken") and hidden:
                values = listing.spans()
                answer = to_text(with_values(listing, {s: mangle(s, values[s]) for s in hidden}))
                parts = reward.components(record, answer)
                assert parts["collateral"] == min(1.0, len(hidden) / reward.COLLATERAL_FULL), c
                checked += 1
    assert checked >= 10
