"""Text in: corpora fetched from package registries, tokenisation with spans, vocabularies."""
