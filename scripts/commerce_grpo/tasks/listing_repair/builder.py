"""Listing repair pairs: one corrupted listing per product, the corruption kinds taking turns.

Each product appears once in the stream (a product in eval is never seen in training). The
stream is stratified by the first corruption's kind, so the first candidates (eval) cover every
kind; 0–2 further corruptions of other kinds follow from the same rng.
"""
from __future__ import annotations

from commerce_grpo.tasklib.candidates import Candidate, interleave

from .corrupt import KINDS, corrupt
from .listing import to_text
from .render import products, render, renderable

INSTRUCTIONS = (
    "Corrija o anúncio abaixo. Ele tem erros de estrutura, de formatação ou de digitação: devolva o "
    "anúncio inteiro corrigido, sem comentários.\n\n{listing}",
    "Este anúncio de produto chegou com problemas. Conserte o que estiver errado e mantenha o resto "
    "exatamente igual.\n\n{listing}",
    "Revise o anúncio a seguir e devolva a versão corrigida, no formato padrão da loja.\n\n{listing}",
)


def candidates(con, rng):
    """Candidates from commerce.db (or the pair builder's in-memory copy of it)."""
    listings = [(product, listing) for product in products(con) if renderable(listing := render(product))]
    strata = {kind: [] for kind in KINDS}
    for n, index in enumerate(rng.permutation(len(listings))):
        strata[KINDS[n % len(KINDS)]].append(int(index))

    def make(kind: str, index: int) -> Candidate | None:
        product, listing = listings[index]
        text, corruptions = corrupt(listing, rng, kind)
        if not corruptions or corruptions[0]["kind"] != kind:
            return None
        phrasing = int(rng.integers(len(INSTRUCTIONS)))
        return Candidate(
            user=INSTRUCTIONS[phrasing].format(listing=text),
            reference={"listing": to_text(listing), "corruptions": corruptions},
            source={"product_id": product.product_id, "seller_id": product.seller_id,
                    "template": f"{kind}/{phrasing}"},
            keys=(product.product_id,),
            meta={"category": product.category, "state": product.state, "template": f"listing_repair/{kind}"},
        )

    return interleave(strata, make)
