"""The command line end to end on a tiny budget."""

import subprocess
import sys

import pytest

from sk_alrnn.cli import main

TINY = ["--n-samples", "60", "--n-steps", "6", "--epochs", "2", "--M", "4"]


def test_demo_prints_scores_per_P_and_report(capsys):
    assert main(["demo", "--P", "0", "2", *TINY]) == 0
    out = capsys.readouterr().out
    assert "test score" in out and "Smallest P" in out
    assert "regimes:" in out  # the describe() report of the chosen model


def test_sweep_prints_table_and_saves_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    plot = tmp_path / "sweep.png"
    main(
        ["sweep", "--task", "copy_memory", "--P", "0", "1", "--cv", "2", "--plot", str(plot), *TINY]
    )
    out = capsys.readouterr().out
    assert "Sweeping" in out and "chosen" in out
    assert plot.stat().st_size > 0


def test_python_dash_m_entry_point():
    result = subprocess.run(
        [sys.executable, "-m", "sk_alrnn", "--help"], capture_output=True, text=True, check=True
    )
    assert "demo" in result.stdout and "sweep" in result.stdout


def test_sweep_progress_flag_shows_a_bar(capsys):
    main(["sweep", "--P", "0", "--cv", "2", "--progress", *TINY])
    captured = capsys.readouterr()
    assert "it/s" in captured.err or "s/it" in captured.err  # tqdm's rate column


@pytest.mark.parametrize("task, extra", [("mnist1d", "mnist1d"), ("neurogym", "neurogym")])
def test_sweep_on_the_optional_benchmark_tasks(task, extra, capsys):
    pytest.importorskip(extra)
    main(["sweep", "--task", task, "--P", "0", "1", "--cv", "2", *TINY])
    out = capsys.readouterr().out
    assert f"on {task} (" in out and "chosen" in out


def test_a_task_whose_extra_is_missing_exits_with_its_name(monkeypatch):
    for name in ("neurogym", "neurogym.envs", "neurogym.envs.collections"):
        monkeypatch.setitem(sys.modules, name, None)  # importing neurogym now fails
    with pytest.raises(SystemExit, match=r"sk_alrnn\[neurogym\]"):
        main(["sweep", "--task", "neurogym", *TINY])
