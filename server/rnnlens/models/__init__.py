"""The model zoo: RNN/GRU/LSTM stacks with an LM or classifier head, storage and trace capture."""
