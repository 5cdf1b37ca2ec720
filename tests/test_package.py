"""The package's public surface as static tools and importers see it."""

import ast
import importlib
import pathlib
import subprocess
import sys

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
