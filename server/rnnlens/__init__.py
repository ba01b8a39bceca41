"""RNN Lens: see what a recurrent neural network remembers."""

__version__ = "0.1.0"
