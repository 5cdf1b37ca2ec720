"""Print the bad-input matrices of tests/test_bad_input.py with the answer each case gets.

Not a test: run by hand from the repository root, e.g.::

    PYTHONPATH=.:tests python benchmarks/bad_input_table.py > table.md
    PYTHONPATH=.:tests python benchmarks/bad_input_table.py --files-only --before ../main

Three tables:

1. ``CASES`` (the estimators' X, y, parameters), each run on a fitted estimator
   of each kind it applies to;
2. ``MORE_CASES`` (forecaster, CV, metrics, transformers, analysis, model files,
   CLI), one row each, with a count of rows per group and answer;
3. loading a valid model file and hostile ones, each in a fresh child process:
   the answer, the wall time of ``load`` (cold: the first in the process, which
   also imports what loading needs; warm: a second one) and the growth of the
   peak RSS over the child's RSS before loading (``resource.getrusage``).  ``--before
   PATH`` runs the same children on another checkout (e.g. the code before the
   header checks) for a side-by-side comparison.

The answer is the exception type and the first line of its message (or
"result" for accepted forms).  Cases skipped or marked xfail in the test
module are run too, so the tables show what happens today.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import warnings
from collections import Counter
from pathlib import Path

import test_bad_input as matrix

warnings.simplefilter("ignore")  # e.g. DataConversionWarning for the one-class case

_NAMES = ("ALRNNClassifierCV", "ALRNNRegressorCV", "ALRNNClassifier", "ALRNNRegressor")


def _describe(error: BaseException | None) -> str:
    if error is None:
        return "result"
    text = str(error).splitlines()[0] if str(error) else ""
    # One row for all estimators: the CV names first, they contain the plain ones.
    for name in _NAMES:
        text = text.replace(name, "<estimator>")
    return f"{type(error).__name__}: {text[:150]}".replace("|", "\\|")


def _answer(kind: str, case: matrix.Case, fitted: dict) -> str:
    X, y = matrix._data(kind)
    params = case.make(X, y).get("params", {})
    est = copy.deepcopy(fitted[kind]).set_params(**params)
    try:
        matrix._call(est, case, X, y)
    except Exception as error:  # noqa: BLE001 - the table reports whatever happens
        return _describe(error)
    return "result"


def estimator_table(fitted: dict) -> None:
    print("| # | case | stage | estimators | answer |")
    print("|---|---|---|---|---|")
    for number, case in enumerate(matrix.CASES, start=1):
        kinds = [kind for kind in matrix.ESTIMATORS if matrix._applies(case, kind)]
        answers = {kind: _answer(kind, case, fitted) for kind in kinds}
        if len(set(answers.values())) == 1:
            shown = next(iter(answers.values()))
        else:
            shown = "; ".join(f"{kind}: {answer}" for kind, answer in answers.items())
        print(f"| {number} | `{case.id}` | {case.stage} | {'+'.join(kinds)} | {shown} |")


def more_table(fitted: dict, folder: Path) -> None:
    context = matrix.make_context(fitted, folder)
    counts: Counter = Counter()
    print("| group | case | answer |")
    print("|---|---|---|")
    for case in matrix.MORE_CASES:
        target = copy.deepcopy(context[case.refits]) if case.refits else context
        try:
            case.call(target)
            error = None
        except BaseException as exc:  # noqa: BLE001 - SystemExit is the CLI row's answer
            error = exc
        counts[case.group, type(error).__name__ if error else "result"] += 1
        print(f"| {case.group} | `{case.id}` | {_describe(error)} |")
    print()
    print("| group | answer | cases |")
    print("|---|---|---|")
    for (group, answer), count in sorted(counts.items()):
        print(f"| {group} | {answer} | {count} |")


# ---- loading hostile files in a child process ----------------------------------------------
_CHILD = r"""
import json, resource, sys, time
import sk_alrnn
import sk_alrnn.io._persistence  # the package imports lazily: pay for torch before the clock
from sk_alrnn import ALRNNClassifier, ALRNNClassifierCV, ALRNNForecaster
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    sk_alrnn.load(sys.argv[1])
    answer = "loaded"
except Exception as exc:
    answer = type(exc).__name__
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()  # again, warm: the first load also imports skorch's parts
try:
    sk_alrnn.load(sys.argv[1])
except Exception:
    pass
print(json.dumps([answer, seconds, time.perf_counter() - start, (peak - base) / 1024]))
"""


_SAVE = r"""
import sys
sys.path.insert(0, "tests")
import test_bad_input as matrix
from sk_alrnn import ALRNNClassifier
ALRNNClassifier(**matrix.FAST).fit(*matrix._data("clf")).save(sys.argv[1])
"""


def _hostile_files(folder: Path, checkout: Path) -> dict:
    """The files to load; the valid one is written by ``checkout`` (its own format)."""
    valid = folder / f"valid-{abs(hash(str(checkout)))}.safetensors"
    env = {**os.environ, "PYTHONPATH": f"{checkout}{os.pathsep}{checkout / 'tests'}"}
    subprocess.run([sys.executable, "-c", _SAVE, str(valid)], env=env, cwd=checkout, check=True)
    gib = 2**30
    files = {"valid model file": valid}
    files["pickle file"] = folder / "model.pkl"
    files["pickle file"].write_bytes(os.urandom(4096))
    for name, size in (("sparse file declaring 256 MiB", gib // 4),
                       ("sparse file declaring 2 GiB + 8", 2 * gib + 8)):  # fmt: skip
        files[name] = matrix._raw(folder / f"{size}.st", matrix._huge(size), size=size)
    files["4 KiB file declaring 2 GiB"] = matrix._raw(
        folder / "4k.st", matrix._huge(2 * gib), b"\0" * 4096
    )
    tail = folder / "tail.st"
    tail.write_bytes(valid.read_bytes())
    os.truncate(tail, tail.stat().st_size + 2 * gib)
    files["valid file + 2 GiB undeclared tail"] = tail
    files["valid file + unnamed 1.5 GiB tensor"] = matrix._with_unnamed_tensor(
        valid, folder / f"unnamed-{valid.name}", 3 * gib // 2
    )
    return files


def _load_in_child(path: Path, checkout: Path) -> list:
    env = {**os.environ, "PYTHONPATH": str(checkout), "OMP_NUM_THREADS": "1"}
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        capture_output=True, text=True, env=env, timeout=600, check=False, cwd=checkout,
    )  # fmt: skip
    if child.returncode != 0:
        return [f"exit {child.returncode}", float("nan"), float("nan"), float("nan")]
    return json.loads(child.stdout.strip().splitlines()[-1])


def files_table(folder: Path, before: Path | None, skip_huge_before: bool) -> None:
    here = Path(__file__).resolve().parents[1]
    checkouts = {"now": here} | ({"before": before.resolve()} if before else {})
    files = {label: _hostile_files(folder, checkout) for label, checkout in checkouts.items()}
    print(
        "| file | "
        + " | ".join(
            f"{k}: answer | {k}: s (cold) | {k}: s (warm) | {k}: peak MiB" for k in checkouts
        )
        + " |"
    )
    print("|---|" + "---|---|---|---|" * len(checkouts))
    for name in files["now"]:
        cells = []
        for label, checkout in checkouts.items():
            if label == "before" and skip_huge_before and "2 GiB" in name:
                cells += ["(skipped)", "", "", ""]
                continue
            answer, cold, warm, peak = _load_in_child(files[label][name], checkout)
            cells += [answer, f"{cold:.4f}", f"{warm:.4f}", f"{peak:.1f}"]
        print(f"| {name} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files-only", action="store_true", help="only the third table")
    parser.add_argument("--before", type=Path, help="another checkout to compare loading with")
    parser.add_argument(
        "--skip-huge-before",
        action="store_true",
        help="do not load the 2 GiB declarations with --before (they need ~4.4 GiB there)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if not args.files_only:
            fitted = {
                kind: cls(**matrix.SETTINGS[kind]).fit(*matrix._data(kind))
                for kind, cls in matrix.ESTIMATORS.items()
            }
            estimator_table(fitted)
            print()
            more_table(fitted, Path(folder))
            print()
        files_table(Path(folder), args.before, args.skip_huge_before)


if __name__ == "__main__":
    main()
