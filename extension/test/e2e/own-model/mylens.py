"""The entry point a user declares in rnnlens.modelPaths: their own network (mynet.py, beside this
file) with trained weights loaded under its own parameter names, returned as a UserModel. The
weights are the brown-lstm sample's, so the glyphs mean something; to RNN Lens this is a model it
has never seen (another weights hash, its own statistics)."""

import json
from pathlib import Path

from mynet import MyLanguageModel
from rnnlens.models.adapter import UserModel
from safetensors.torch import load_file

TRAINED = Path(__file__).resolve().parents[4] / "samples" / "models" / "brown-lstm"


def load() -> UserModel:
    words = json.loads((TRAINED / "vocab.json").read_text(encoding="utf-8"))
    saved = {name: tensor.float() for name, tensor in load_file(TRAINED / "weights.safetensors").items()}
    net = MyLanguageModel(len(words), 150)
    state = {"embed.weight": saved["embedding.weight"], "decoder.weight": saved["embedding.weight"],
             "decoder.bias": saved["head.bias"]}
    for layer in (0, 1):
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            state[f"lstm.{name}_l{layer}"] = saved[f"layers.{layer}.{name}_l0"]
    net.load_state_dict(state)
    return UserModel(embedding=net.embed, rnn=net.lstm, head=net.decoder, vocabulary=words, task="lm",
                     unk="<unk>", corpus="brown")
