"""A model name never runs code: only entry points declared in model_paths are imported, and
their failures (SystemExit and KeyboardInterrupt included) are one line, not a dead process."""

import sys

import pytest
from rnnlens.errors import RnnLensError
from rnnlens.models.registry import ModelRegistry
from rnnlens.service import AnalysisService

HOSTILE_NAMES = ["os:abort", "sys:exit", "_thread:interrupt_main", "evilmod:load"]


@pytest.fixture()
def evil_cwd(tmp_path, monkeypatch):
    """A working directory holding evilmod.py, which leaves a mark if it is ever imported."""
    (tmp_path / "evilmod.py").write_text("import pathlib\npathlib.Path(__file__).with_name('RAN').write_text('x')\n"
                                         "def load():\n    raise SystemExit(3)\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))  # even with the folder importable, a name must not import it
    yield tmp_path
    sys.modules.pop("evilmod", None)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_an_undeclared_entry_point_name_is_an_unknown_model(evil_cwd, name):
    registry = ModelRegistry(include_samples=False)
    with pytest.raises(RnnLensError, match="unknown model") as info:
        registry.get(name)
    assert "\n" not in str(info.value) and "modelPaths" in str(info.value)
    assert not (evil_cwd / "RAN").exists() and "evilmod" not in sys.modules


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_the_language_server_and_stream_registry_refuses_them_too(evil_cwd, tiny_models, name):
    # LensSession and the stream build ModelRegistry(settings.model_paths) and go through the service.
    service = AnalysisService(ModelRegistry([str(tiny_models)]), cache_root=evil_cwd / "cache")
    with pytest.raises(RnnLensError, match="unknown model"):
        service.model(name)
    assert not (evil_cwd / "RAN").exists()


def write_entry(folder, body):
    path = folder / "lens.py"
    path.write_text("from rnnlens.models.adapter import UserModel\n" + body)
    return path


@pytest.mark.parametrize("body, message", [
    ("def load():\n    import sys\n    sys.exit(0)\n", "load() called sys.exit(0)"),
    ("def load():\n    raise KeyboardInterrupt\n", "load() was interrupted"),
    ("def load():\n    raise ValueError('weights\\nmissing')\n", "load() raised ValueError: weights missing"),
    ("raise SystemExit(4)\ndef load():\n    pass\n", "called sys.exit(4)"),
    ("import no_such_module_here\ndef load():\n    pass\n", "ModuleNotFoundError"),
    ("def load():\n    return 42\n", "must return rnnlens.models.adapter.UserModel, got int"),
    ("def load():\n    return UserModel(embedding=1, rnn=None, head=None, vocabulary=['<unk>'])\n",
     "UserModel.embedding must be callable"),
    ("load = 3\n", "has no function 'load'"),
])
def test_a_declared_entry_point_that_fails_is_one_line(tmp_path, body, message):
    spec = f"{write_entry(tmp_path, body)}:load"
    registry = ModelRegistry([spec], include_samples=False)
    with pytest.raises(RnnLensError) as info:
        registry.get(spec)
    assert message in str(info.value) and "\n" not in str(info.value)
    assert spec in str(info.value)


def test_a_declared_file_entry_point_loads_beside_its_own_modules(tmp_path):
    (tmp_path / "mynet_helper.py").write_text("from tests.models.user_lstm import load as build\n")
    body = "def load():\n    from mynet_helper import build  # imported when called, as users often do\n" \
           "    return build()\n"
    spec = f"{write_entry(tmp_path, body)}:load"
    model = ModelRegistry([spec], include_samples=False).get(spec)
    assert model.name == spec and model.cell == "lstm"
    assert str(tmp_path) not in sys.path  # the file's folder was on the path only while it loaded


def test_a_declared_module_entry_point_loads_from_the_existing_path():
    spec = "tests.models.user_lstm:load"
    assert ModelRegistry([spec], include_samples=False).get(spec).num_layers == 2


def test_a_module_not_on_the_path_says_where_it_must_live(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "here_only.py").write_text("def load():\n    pass\n")
    registry = ModelRegistry(["here_only:load"], include_samples=False)
    with pytest.raises(RnnLensError, match="not on this Python's path.*here_only.py:load"):
        registry.get("here_only:load")


class Notes:
    """What the language server would show the user."""

    def __init__(self):
        self.messages: list[str] = []

    def show_message(self, text, error=True):
        self.messages.append(text)

    def log(self, text):
        pass


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_the_language_servers_model_setting_cannot_run_code(evil_cwd, tiny_models, name):
    from rnnlens.lsp.session import LensSession

    session = LensSession(Notes())
    session.configure({"model": name, "modelPaths": [str(tiny_models)]}, "workspace")
    with pytest.raises(RnnLensError, match="unknown model"):
        session.model()
    assert not (evil_cwd / "RAN").exists() and "evilmod" not in sys.modules


def test_the_language_servers_model_setting_takes_a_folder_path(tmp_path):
    from rnnlens.lsp.session import LensSession

    from tests.conftest import make_model_dir

    folder = make_model_dir(tmp_path, "somewhere-else", cell="gru")
    session = LensSession(Notes())
    session.configure({"model": str(folder)}, "workspace")
    model = session.model()
    assert model.cell == "gru" and model.name == str(folder)
