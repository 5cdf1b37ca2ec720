"""The numbers the README quotes for `make demo` are the ones the demo prints (slow: ~1 min)."""

import re
from pathlib import Path

import pytest

from sk_alrnn.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"
_ROW = re.compile(r"^\s*(\d+)\s+(-?\d+\.\d+)\s+(\d+)\s+\d+\.\d+\s*$")


def _rows(text: str) -> dict:
    """P -> (test score, regimes) from the demo's table lines."""
    return {int(m[1]): (float(m[2]), int(m[3])) for m in map(_ROW.match, text.splitlines()) if m}


def _readme_rows() -> dict:
    text = README.read_text()
    block = text.split("<!-- demo-scores")[1].split("<!-- end demo-scores -->")[0]
    return _rows(block)


@pytest.mark.slow
def test_demo_prints_the_numbers_the_readme_quotes(capsys):
    quoted = _readme_rows()
    assert sorted(quoted) == [0, 1, 2]
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    printed = _rows(out.split("Smallest P")[0])
    assert sorted(printed) == sorted(quoted)
    for P, (score, n_regimes) in quoted.items():
        # Scores to the printed 4 decimals; other CPUs may round float32 sums differently.
        assert printed[P][0] == pytest.approx(score, abs=2e-3), P
        assert printed[P][1] == n_regimes, P
    assert "the best test score: P=2" in out  # the README's story: P = 2 solves it
    assert "How to read this report" in out
