"""Sphinx configuration of the sk_alrnn documentation site.

Build: ``make docs`` (HTML in docs/_build/html); CI adds ``-W --keep-going``.
The API reference is generated from the ``__all__`` of every public module
(see ``_write_api_reference``), so a new public name or module appears without
editing a list here.  No intersphinx: CI has no network.

The site needs no network to read either: MathJax is copied into the built site
(``_static/mathjax``, from the ``sphinx-mathjax-offline`` package of the ``docs``
extra) instead of loaded from a CDN, and ``docs/check_html.py`` (run by ``make docs``)
fails the build when a page loads anything from the network or holds a formula MathJax
cannot typeset.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
os.environ.setdefault("OMP_NUM_THREADS", "1")  # the gallery trains small models

import sk_alrnn  # noqa: E402 (after the sys.path insert above)

project = "sk_alrnn"
author = "sk_alrnn developers"
copyright = "2026, sk_alrnn developers"
version = release = sk_alrnn.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # Serves MathJax 3 from the built site (sets mathjax_path to _static/mathjax/...).
    "sphinx-mathjax-offline",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "**.zip",
    "**.json",
]

html_theme = "pydata_sphinx_theme"
html_title = f"sk_alrnn {release}"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}
html_static_path = ["_static"]
html_css_files = ["custom.css"]  # code blocks wrap long lines

autosummary_generate = True
# Class pages (_templates/autosummary/class.rst) list the package's own methods, including
# those inherited from its private bases, but not skorch's, scikit-learn's, sktime's or
# aeon's (their docstrings are theirs), nor scikit-learn's generated set_*_request methods.
# aeon pins an older numpy and lives in its own environment (make venv-aeon):
# document its adapter from a mock when it is not installed.
autodoc_mock_imports = [name for name in ("aeon", "onnx") if importlib.util.find_spec(name) is None]
numpydoc_show_class_members = False
# Methods inherited from scikit-learn/skorch carry docstrings numpydoc cannot parse.
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False

sphinx_gallery_conf = {
    "examples_dirs": os.path.join(ROOT, "examples"),
    "gallery_dirs": "auto_examples",
    # Only plot_*.py files are gallery examples (each runs with small settings);
    # the other scripts in examples/ are longer and are run by hand.
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"^(?!.*plot_)",
    "download_all_examples": False,
    "plot_gallery": "True",
    "within_subsection_order": "FileNameSortKey",
    "remove_config_comments": True,
    # The execution-times pages load jQuery and DataTables from a CDN: not written, so the
    # site reads offline (docs/check_html.py fails on any network resource).
    "write_computation_times": False,
}

myst_heading_anchors = 3
# benchmarks/RESULTS.md (included as it is) skips heading levels in places.
suppress_warnings = ["myst.header"]

# ---- API reference: one section per public module, names from its __all__ ----------
_SKIP = {"sk_alrnn.cli"}  # the command line is documented in the user guide
_TITLES = {"sk_alrnn": "Estimators (sk_alrnn)"}


def _public_modules() -> list[str]:
    names = ["sk_alrnn"]
    for info in pkgutil.walk_packages(sk_alrnn.__path__, "sk_alrnn."):
        parts = info.name.split(".")
        if any(part.startswith("_") for part in parts) or info.name in _SKIP:
            continue
        names.append(info.name)
    return names


def _public_names(module_name: str) -> list[str] | None:
    from sphinx.ext.autodoc.mock import mock

    try:
        with mock(autodoc_mock_imports):
            module = importlib.import_module(module_name)
    except ImportError:  # an adapter whose library is not installed and not mocked
        return None
    return sorted(name for name in getattr(module, "__all__", []) if not name.startswith("__"))


def _write_api_reference() -> None:
    lines = [
        "API reference",
        "=============",
        "",
        "Every public name of the package: what each module lists in ``__all__``.",
        "",
    ]
    for module_name in _public_modules():
        names = _public_names(module_name)
        if not names:
            continue
        title = _TITLES.get(module_name, module_name)
        lines += [
            title,
            "-" * len(title),
            "",
            f".. automodule:: {module_name}",
            "   :no-members:",
            "",
            f".. currentmodule:: {module_name}",
            "",
            ".. autosummary::",
            "   :toctree: generated/",
            "   :nosignatures:",
            "",
        ]
        lines += [f"   {name}" for name in names] + [""]
    os.makedirs(os.path.join(HERE, "api"), exist_ok=True)
    path = os.path.join(HERE, "api", "index.rst")
    text = "\n".join(lines)
    old = None
    if os.path.exists(path):
        with open(path) as f:
            old = f.read()
    if old != text:  # an unchanged page keeps its timestamp: no rebuild
        with open(path, "w") as f:
            f.write(text)


_write_api_reference()
