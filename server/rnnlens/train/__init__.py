"""Training the zoo's models: configs, batching, the training loop, model cards, n-gram baseline."""
