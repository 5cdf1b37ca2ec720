"""Smoke test of an installed wheel, run from outside the source tree.

``make smoke-wheel`` builds the wheel and sdist (``python -m build``), installs the wheel
into a fresh virtual environment and runs this script there from a temporary folder, so
``import sk_alrnn`` can only find the installed copy.  It checks what a first user does:
import, fit, predict, save/load and the ``sk-alrnn`` command.  pytest does not collect it
(the name does not start with ``test_``); run it as ``python tests/smoke_wheel.py``.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def _check_installed_copy(source_tree: Path) -> str:
    import sk_alrnn

    location = Path(sk_alrnn.__file__).resolve()
    if location.parent == source_tree / "sk_alrnn" or "site-packages" not in location.parts:
        raise SystemExit(f"sk_alrnn imported from the source tree ({location}), not the wheel")
    return sk_alrnn.__version__


def _check_fit_predict_save_load(folder: Path) -> None:
    import numpy as np

    import sk_alrnn
    from sk_alrnn import ALRNNClassifier
    from sk_alrnn.datasets import make_addition

    X, y = make_addition(n_samples=60, n_steps=6, random_state=0)
    labels = np.where(y > np.median(y), "high", "low")
    clf = ALRNNClassifier(M=4, P=1, max_epochs=2, random_state=0).fit(X, labels)
    predicted = clf.predict(X)
    assert set(predicted) <= {"high", "low"}, predicted
    path = folder / "model.safetensors"
    clf.save(path)
    loaded = sk_alrnn.load(path)
    assert (loaded.predict(X) == predicted).all()
    assert np.allclose(loaded.predict_proba(X), clf.predict_proba(X), rtol=1e-5, atol=1e-6)


def _check_command_line(version: str) -> None:
    command = shutil.which("sk-alrnn", path=os.path.dirname(sys.executable))
    if command is None:
        raise SystemExit("the wheel installed no sk-alrnn command next to its python")
    shown = subprocess.run([command, "--version"], capture_output=True, text=True, check=True)
    assert version in shown.stdout, shown.stdout


def main() -> None:
    source_tree = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)  # nothing of the source tree on the import path
        sys.path = [p for p in sys.path if Path(p or ".").resolve() != source_tree / "tests"]
        version = _check_installed_copy(source_tree)
        _check_fit_predict_save_load(Path(folder))
        _check_command_line(version)
    print(f"installed sk_alrnn {version}: import, fit, predict, save/load, CLI ok")


if __name__ == "__main__":
    main()
