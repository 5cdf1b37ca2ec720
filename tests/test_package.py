"""The package's public surface as static tools and importers see it."""

import ast
import importlib
import pathlib
import subprocess
import sys

import pytest

import sk_alrnn

PACKAGE = pathlib.Path(sk_alrnn.__file__).parent


def _type_checking_imports() -> set:
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for stmt in node.body:
                if isinstance(stmt, ast.ImportFrom):
                    names |= {alias.asname or alias.name for alias in stmt.names}
    return names


def test_every_lazy_export_is_visible_to_static_tools():
    lazy = set(sk_alrnn.__all__) - {name for name in vars(sk_alrnn) if not name.startswith("_")}
    lazy -= {"__version__"}
    assert lazy and lazy <= _type_checking_imports()


def test_importing_dunder_main_does_not_run_the_cli():
    module = importlib.import_module("sk_alrnn.__main__")  # would SystemExit without the guard
    assert callable(module.main)


def test_numpy_only_import_does_not_load_torch():
    code = "import sys, sk_alrnn, sk_alrnn.preprocessing; print('torch' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


# ---- the dependency rule ----------------------------------------------------------
# Nothing inside the package imports the package root ``sk_alrnn`` (the root imports
# its estimators lazily; a module importing the root back makes a cycle through
# ``sk_alrnn/__init__.py``).  An underscore name never crosses a subpackage boundary:
# another subpackage is used through what its ``__init__`` re-exports
# (``from ..utils import input_error``), never through a private module
# (``from ..utils._params import ...``) or a private name.

# (importing module, imported module) pairs still allowed, with the reason.
KNOWN_EXCEPTIONS: set = set()
# The layers, lowest first: a subpackage imports only from its own layer or lower ones.
LAYERS = {
    "_version": 0,
    "utils": 0,
    "nn": 1,
    "analysis": 1,
    "metrics": 1,
    "datasets": 1,
    "preprocessing": 1,
    "io": 2,
    "plotting": 2,
    "model_selection": 3,
    "_net": 4,
    "_sweep": 5,
    "contrib": 6,
    "cli": 6,
    "_cli_data": 6,  # the command line's file reader (--data FILE.npz / FILE.csv)
    "__main__": 7,
}
# The one private leaf module every layer may import: it holds __version__, so
# that no module needs the package root for it.
LEAF_MODULES = {"sk_alrnn._version"}
SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "__init__.py")


def _module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(module: str, is_package: bool, source: str):
    """(imported module, imported names) of every import of the package in ``source``."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0:
                target = node.module or ""
            else:
                base = module.split(".")[: len(module.split(".")) - node.level + is_package]
                target = ".".join(base + ([node.module] if node.module else []))
            names = [alias.name for alias in node.names]
            if target == "sk_alrnn":  # ``from . import datasets`` imports a subpackage
                for name in names:
                    submodule = (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").is_file()
                    yield (f"sk_alrnn.{name}", []) if submodule else (target, [name])
            elif target.split(".")[0] == "sk_alrnn":
                yield target, names
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "sk_alrnn":
                    yield alias.name, []


def _violations(module: str, is_package: bool, source: str) -> list:
    def layer(name):
        return name.split(".")[1] if "." in name else ""

    found = []
    for target, names in _imports(module, is_package, source):
        if target == "sk_alrnn":
            found.append(f"{module} imports the package root")
        elif target == "sk_alrnn" or layer(target) == layer(module):
            continue
        elif LAYERS[layer(target)] > LAYERS[layer(module)]:
            found.append(f"{module} imports the higher layer {target}")
        elif target in LEAF_MODULES:
            continue
        elif (module, target) not in KNOWN_EXCEPTIONS:
            private_path = any(part.startswith("_") for part in target.split(".")[2:])
            private = [name for name in names if name.startswith("_") and name[1] != "_"]
            if private_path or private:
                found.append(f"{module} imports {private or names} from {target}")
    return found


def test_dependency_checker_flags_root_and_private_cross_layer_imports():
    source = (
        "from ..utils._params import input_error\n"
        "from ..utils import _hidden, check_param\n"
        "from ..utils import check_param\n"
        "from .. import utils\n"
        "from .._sweep import ALRNNClassifierCV\n"
        "from ._sequence import SequenceNet\n"
        "def f():\n    import sk_alrnn\n"
    )
    assert _violations("sk_alrnn._net._seeded", False, source) == [
        "sk_alrnn._net._seeded imports ['input_error'] from sk_alrnn.utils._params",
        "sk_alrnn._net._seeded imports ['_hidden'] from sk_alrnn.utils",
        "sk_alrnn._net._seeded imports the higher layer sk_alrnn._sweep",
        "sk_alrnn._net._seeded imports the package root",
    ]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_keeps_the_dependency_rule(path):
    module = _module_name(path)
    assert _violations(module, path.name == "__init__.py", path.read_text()) == []


def test_every_listed_exception_is_still_needed():
    used = {
        (_module_name(p), target)
        for p in SOURCES
        for target, _ in _imports(_module_name(p), p.name == "__init__.py", p.read_text())
    }
    assert KNOWN_EXCEPTIONS <= used


def test_mnist1d_doctest_is_skipped_cleanly_without_the_extra():
    # sys.modules["mnist1d"] = None makes the library look absent to find_spec and import.
    code = (
        "import sys; sys.modules['mnist1d'] = None; import pytest; sys.exit(pytest.main("
        "['--collect-only', '-q', '-p', 'no:cacheprovider', 'sk_alrnn/datasets']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PACKAGE.parent, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert "_neurogym.py" in result.stdout and "_mnist1d.py" not in result.stdout
