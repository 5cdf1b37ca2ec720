"""The command line end to end on a tiny budget."""

import subprocess
import sys

import numpy as np
import pytest

import sk_alrnn
from sk_alrnn import ALRNNClassifier, ALRNNRegressor
from sk_alrnn.cli import main

TINY = ["--n-samples", "60", "--n-steps", "6", "--epochs", "2", "--M", "4"]


def test_demo_prints_scores_per_P_and_report(capsys):
    assert main(["demo", "--P", "0", "2", *TINY]) == 0
    out = capsys.readouterr().out
    assert "test score" in out and "Smallest P" in out
    assert "regimes:" in out  # the describe() report of the chosen model
    assert "How to read this report" in out and "FP virtual" in out  # and its legend


def test_sweep_prints_table_and_saves_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    plot = tmp_path / "sweep.png"
    main(
        ["sweep", "--task", "copy_memory", "--P", "0", "1", "--cv", "2", "--plot", str(plot), *TINY]
    )
    out = capsys.readouterr().out
    assert "Sweeping" in out and "ALRNNClassifierCV" in out and "chosen" in out
    assert "took" in out  # the time of the batched sweep
    assert plot.stat().st_size > 0


def test_python_dash_m_entry_point():
    result = subprocess.run(
        [sys.executable, "-m", "sk_alrnn", "--help"], capture_output=True, text=True, check=True
    )
    assert "demo" in result.stdout and "sweep" in result.stdout


def test_sweep_progress_flag_shows_a_bar_over_epochs(capsys):
    main(["sweep", "--P", "0", "--cv", "2", "--progress", *TINY])
    err = capsys.readouterr().err
    assert "ALRNNRegressorCV (2 models): epoch 2/2" in err  # the batched run
    assert "ALRNNRegressor: epoch 2/2" in err  # the refit


@pytest.mark.parametrize("task, extra", [("mnist1d", "mnist1d"), ("neurogym", "neurogym")])
def test_sweep_on_the_optional_benchmark_tasks(task, extra, capsys):
    pytest.importorskip(extra)
    main(["sweep", "--task", task, "--P", "0", "1", "--cv", "2", *TINY])
    out = capsys.readouterr().out
    assert f"on {task} (" in out and "chosen" in out


def test_a_task_whose_extra_is_missing_is_a_one_line_error(monkeypatch, capsys):
    for name in ("neurogym", "neurogym.envs", "neurogym.envs.collections"):
        monkeypatch.setitem(sys.modules, name, None)  # importing neurogym now fails
    assert main(["sweep", "--task", "neurogym", *TINY]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sk-alrnn: error: task 'neurogym'") and "sk_alrnn[neurogym]" in err
    assert err.count("\n") == 1


FAST = ["--P", "0", "1", "--cv", "2", "--epochs", "2", "--M", "4"]


def test_sweep_on_an_npz_file_saves_the_chosen_regressor(tmp_path, capsys):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 5, 2))
    np.savez(tmp_path / "data.npz", X=X, y=X.sum(axis=(1, 2)))
    model = tmp_path / "model.safetensors"
    assert main(["sweep", "--data", str(tmp_path / "data.npz"), "--save", str(model), *FAST]) == 0
    out = capsys.readouterr().out
    assert "ALRNNRegressorCV" in out and f"saved to {model}" in out
    loaded = sk_alrnn.load(model)
    assert isinstance(loaded, ALRNNRegressor) and loaded.n_features_in_ == 2
    chosen = int(out.split("Chosen P=")[1].split(";")[0])
    assert loaded.P == chosen


def test_sweep_on_a_csv_of_sequences_of_different_lengths_classifies(tmp_path, capsys):
    rows = []
    for i in range(24):
        n_steps = 4 + i % 3  # 4 to 6 steps: shorter rows leave trailing cells empty
        cells = [f"{(-1) ** i * (k + 1) / 10:.2f}" for k in range(n_steps)]
        rows.append(",".join(cells + [""] * (6 - n_steps) + ["up" if i % 2 == 0 else "down"]))
    path = tmp_path / "seqs.csv"
    path.write_text("# six steps at most, then the label\n" + "\n".join(rows) + "\n")
    model = tmp_path / "clf.safetensors"
    assert main(["sweep", "--data", str(path), "--save", str(model), *FAST]) == 0
    assert "ALRNNClassifierCV" in capsys.readouterr().out
    loaded = sk_alrnn.load(model)
    assert isinstance(loaded, ALRNNClassifier)
    assert sorted(loaded.classes_.tolist()) == ["down", "up"]


@pytest.mark.parametrize(
    "content, name, message",
    [
        ("1,2,x\n1,zz,y\n", "bad.csv", "Row 2 of .*bad.csv.* must hold numbers"),
        (None, "data.txt", "must end in .npz or .csv"),
        (None, "missing.npz", "No such file"),
    ],
)
def test_bad_data_is_a_one_line_error(tmp_path, capsys, content, name, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    assert main(["sweep", "--data", str(path), *FAST]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("sk-alrnn: error: ") and captured.err.count("\n") == 1
    assert __import__("re").search(message, captured.err)


def test_a_bad_parameter_is_a_one_line_error(capsys):
    assert main(["sweep", "--P", "9", *TINY]) == 2  # P > M = 4
    err = capsys.readouterr().err
    assert err.startswith("sk-alrnn: error: ") and "'P'" in err and err.count("\n") == 1


def _exit_output(argv, capsys) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0
    return capsys.readouterr().out


def test_version_and_help_with_defaults_and_no_rest_markup(capsys):
    assert _exit_output(["--version"], capsys).strip() == f"sk-alrnn {sk_alrnn.__version__}"
    assert "``" not in _exit_output(["--help"], capsys)
    sweep = _exit_output(["sweep", "--help"], capsys)
    for flag in ("--M", "--n-samples", "--n-steps", "--epochs", "--lr", "--seed", "--cv"):
        assert flag in sweep
    assert sweep.count("(default:") >= 14  # every flag states its default
    for flag in ("--data", "--save", "--n-jobs", "--kind"):
        assert flag in sweep
