"""The RNN Lens language server (`rnnlens lsp`): hover, inlay hints and palette analyses over LSP."""
