from modeling.tiny_fixtures import tiny_base, tiny_inputs  # noqa: F401  (session fixtures)
