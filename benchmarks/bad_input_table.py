"""Print the bad-input matrix of tests/test_bad_input.py with the answer each case gets.

Not a test: run by hand from the repository root, e.g.::

    PYTHONPATH=.:tests python benchmarks/bad_input_table.py > table.md

Each row is one case of ``CASES``, run on a fitted estimator of each kind it
applies to; the answer is the exception type and the first line of its message
(or "result" for accepted forms). Cases skipped or marked xfail in the test
module are run too, so the table shows what happens today.
"""

from __future__ import annotations

import copy
import warnings

import test_bad_input as matrix

warnings.simplefilter("ignore")  # e.g. DataConversionWarning for the one-class case


def _answer(kind: str, case: matrix.Case, fitted: dict) -> str:
    X, y = matrix._data(kind)
    params = case.make(X, y).get("params", {})
    est = copy.deepcopy(fitted[kind]).set_params(**params)
    try:
        matrix._call(est, case, X, y)
    except Exception as error:  # noqa: BLE001 - the table reports whatever happens
        text = str(error).splitlines()[0] if str(error) else ""
        # One row for all estimators: the CV names first, they contain the plain ones.
        for name in ("ALRNNClassifierCV", "ALRNNRegressorCV", "ALRNNClassifier", "ALRNNRegressor"):
            text = text.replace(name, "<estimator>")
        return f"{type(error).__name__}: {text[:150]}"
    return "result"


def main() -> None:
    fitted = {
        kind: cls(**matrix.SETTINGS[kind]).fit(*matrix._data(kind))
        for kind, cls in matrix.ESTIMATORS.items()
    }
    print("| # | case | stage | estimators | answer |")
    print("|---|---|---|---|---|")
    for number, case in enumerate(matrix.CASES, start=1):
        kinds = [kind for kind in matrix.ESTIMATORS if matrix._applies(case, kind)]
        answers = {kind: _answer(kind, case, fitted) for kind in kinds}
        if len(set(answers.values())) == 1:
            shown = next(iter(answers.values()))
        else:
            shown = "; ".join(f"{kind}: {answer}" for kind, answer in answers.items())
        answer = shown.replace("|", "\\|")
        print(f"| {number} | `{case.id}` | {case.stage} | {'+'.join(kinds)} | {answer} |")


if __name__ == "__main__":
    main()
