"""Data stage: commerce.db (Olist CSVs or a seeded synthetic stand-in) and the four-task pairs.

``db.build_commerce_db`` writes the database, ``pairs.build_pairs`` the train/validation/eval
pairs. The synthetic generator keeps the latent facts behind each review (``review_facts``) so
extraction gold labels are known, not guessed.
"""
