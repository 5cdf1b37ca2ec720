"""Sentiment (SST-2): AL-RNN accuracy vs P next to LSTM, GRU and bag-of-words, and the integrator.

Each fit (condition, model, seed) is appended as one JSON line to ``--out`` (resumable,
as in study_tasks.py); ``--report`` prints the markdown table; ``--analyse`` refits the
chosen AL-RNN and measures its mechanism (regime shares, the eigenvalue of the dominant
regime closest to 1, its alignment with the readout and the first principal component,
the class separation along it, which units switch on at which words) and draws the
figure.

    PYTHONPATH=. python benchmarks/study_sst2.py                  # all models, 3 seeds
    PYTHONPATH=. python benchmarks/study_sst2.py --models P0 P1 LSTM   # a subset
    PYTHONPATH=. python benchmarks/study_sst2.py --report
    PYTHONPATH=. python benchmarks/study_sst2.py --analyse

Data: ../shared/data/sst2 beside the repository, or the folder named by SK_ALRNN_DATA.
Training uses every labelled training phrase (67,349), cut to ``--max-len`` tokens;
``low`` trains on a seeded 10 % of them for ``--low-epochs`` epochs. The vocabulary
(tokens seen ``--min-count`` times in training, 0 padding, 1 unknown) and the embedding
(``--dim``, learned from scratch: no pre-trained vectors offline) are the same for
every recurrent model. Dev accuracy selects; test accuracy is reported once per fit.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _results import (  # noqa: E402
    add_run_arguments,
    append_record,
    completed,
    load_records,
    run_or_report,
)
from _results import mean_std as _ms  # noqa: E402
from baselines import RNNBaselineClassifier, alrnn_n_params  # noqa: E402

from sk_alrnn import ALRNNClassifier  # noqa: E402
from sk_alrnn.datasets import load_sst2  # noqa: E402
from sk_alrnn.model_selection._refit import select_minimal_P  # noqa: E402

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "results" / "study_sst2.jsonl"
# The analysed P is appended to these names: ..._P8.json, ..._P8.png.
MECHANISM_OUT = HERE / "results" / "study_sst2_mechanism"
FIGURE = HERE / "results" / "figures" / "sst2_integrator"
NEGATIONS = ("not", "n't", "no", "never", "nothing", "but", "too", "very", "most", "so")


def data_folder() -> Path:
    """../shared/data beside the repository, unless SK_ALRNN_DATA names another folder."""
    return Path(os.environ.get("SK_ALRNN_DATA", HERE.parents[1] / "shared" / "data"))


def load(args):
    """Training phrases (cut to max_len), dev and test sentences, one vocabulary."""
    train = load_sst2(data_folder(), min_count=args.min_count, max_len=args.max_len)
    dev, test = (
        load_sst2(data_folder(), split=split, vocabulary=train.vocabulary)
        for split in ("dev", "test")
    )
    return train, dev, test


def recurrent_specs(args):
    """(label, factory(seed, epochs)) for the AL-RNNs and the matched LSTM/GRU."""
    P_values = sorted(set(args.P + [args.M]))
    specs = []
    for P in P_values:

        def alrnn(seed, epochs, P=P):
            return ALRNNClassifier(
                M=args.M, P=P, embedding=(args.n_tokens, args.dim), random_state=seed,
                max_epochs=epochs, lr=args.lr, batch_size=args.batch_size,
            )  # fmt: skip

        specs.append((f"AL-RNN P={P}", alrnn))
    for cell, label in [("lstm", "LSTM"), ("gru", "GRU")]:

        def base(seed, epochs, cell=cell):
            return RNNBaselineClassifier(
                cell, match_M=args.M, embedding=(args.n_tokens, args.dim), random_state=seed,
                max_epochs=epochs, lr=args.lr, batch_size=args.batch_size,
            )  # fmt: skip

        specs.append((label, base))
    return specs


def _short(label: str) -> str:
    """'AL-RNN P=4' -> 'P4' (the --models names)."""
    return "P" + label.split("=")[1] if label.startswith("AL-RNN") else label


def bag_of_words(train_texts, y, dev, test):
    """CountVectorizer + LogisticRegression (C chosen on dev) and MultinomialNB (alpha on dev)."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import MultinomialNB

    results = []
    for label, make, grid in [
        ("BoW LogReg", lambda c: LogisticRegression(C=c, max_iter=2000), [0.1, 0.3, 1.0, 3.0]),
        ("BoW MultinomialNB", lambda a: MultinomialNB(alpha=a), [0.1, 0.3, 1.0, 3.0]),
    ]:
        best = None
        for value in grid:
            vectorizer = CountVectorizer(token_pattern=r"\S+", ngram_range=(1, 2), min_df=1)
            t0 = time.perf_counter()
            Xtr = vectorizer.fit_transform(train_texts)
            model = make(value).fit(Xtr, y)
            fit_time = time.perf_counter() - t0
            dev_acc = model.score(vectorizer.transform(dev.sentences), dev.target)
            if best is None or dev_acc > best[0]:
                test_acc = model.score(vectorizer.transform(test.sentences), test.target)
                best = (dev_acc, test_acc, value, fit_time)
        results.append((label, best))
    return results


def _subset(train, condition: str, seed: int, n_train: int | None = None):
    """All training phrases (or the first n_train), or a seeded 10 % of them (low data)."""
    n = len(train.data) if n_train is None else min(n_train, len(train.data))
    if condition == "full":
        return np.arange(n)
    return np.sort(np.random.RandomState(3000 + seed).permutation(n)[: n // 10])


def _warm_up():
    """One tiny fit of each kind, so the first timed fit pays no one-off start-up cost."""
    X, y = [np.array([2, 3, 4]), np.array([5, 6])] * 8, [0, 1] * 8
    ALRNNClassifier(M=4, P=1, embedding=(8, 2), max_epochs=1).fit(X, y)
    RNNBaselineClassifier("lstm", embedding=(8, 2), max_epochs=1).fit(X, y)


def run(args):
    train, dev, test = load(args)
    args.n_tokens = train.n_tokens
    _warm_up()
    done = completed(args.out, ("condition", "model", "seed"))
    wanted = set(args.models) if args.models else None
    for seed in args.seeds:
        for condition in args.conditions:
            rows = _subset(train, condition, seed, args.n_train)
            X = [train.data[i] for i in rows]
            y = train.target[rows]
            epochs = args.epochs if condition == "full" else args.low_epochs
            base = {"condition": condition, "seed": seed, "n_train": len(rows)}
            if (wanted is None or "BoW" in wanted) and (condition, "BoW LogReg", seed) not in done:
                texts = [train.sentences[i] for i in rows]
                for label, (dev_acc, test_acc, value, fit_time) in bag_of_words(
                    texts, y, dev, test
                ):
                    rec = {**base, "model": label, "dev": dev_acc, "test": test_acc}
                    append_record(args.out, {**rec, "chosen": value, "fit_time": fit_time})
            for label, factory in recurrent_specs(args):
                if (condition, label, seed) in done or (wanted and _short(label) not in wanted):
                    continue
                est = factory(seed, epochs)
                t0 = time.perf_counter()
                est.fit(X, y)
                rec = {**base, "model": label, "fit_time": time.perf_counter() - t0}
                rec.update(dev=est.score(dev.data, dev.target), epochs=epochs)
                rec.update(test=est.score(test.data, test.target), M=args.M, dim=args.dim)
                if hasattr(est, "regimes_"):
                    rec["n_regimes"] = int(est.regimes_.n_regimes)
                    rec["recurrent_params"] = alrnn_n_params(args.M, args.dim, 2)
                else:
                    rec["hidden_size"] = int(est.hidden_size_)
                    rec["recurrent_params"] = int(est.n_params_) - train.n_tokens * args.dim
                append_record(args.out, rec)


def _order(model: str):
    if model.startswith("AL-RNN"):
        return (0, int(model.split("=")[1]))
    return (1 if model in ("LSTM", "GRU") else 2, model)


def chosen_P(records, condition="full") -> int:
    """Smallest P whose mean dev accuracy is within one standard error of the best P's."""
    rows = [r for r in records if r["condition"] == condition and r["model"].startswith("AL")]
    Ps = sorted({int(r["model"].split("=")[1]) for r in rows})
    dev = [np.array([r["dev"] for r in rows if r["model"] == f"AL-RNN P={P}"]) for P in Ps]
    means = [d.mean() for d in dev]
    best = int(np.argmax(means))
    se = dev[best].std(ddof=1) / np.sqrt(len(dev[best])) if len(dev[best]) > 1 else 0.0
    return Ps[select_minimal_P(Ps, means, margin=se)]


def report(path):
    records = load_records(path)
    if not records:
        return "(no records)"
    models = sorted({r["model"] for r in records}, key=_order)
    seeds = sorted({r["seed"] for r in records})
    n = {
        c: next((r["n_train"] for r in records if r["condition"] == c), "-")
        for c in ("full", "low")
    }
    ep = {c: next((r.get("epochs") for r in records if r["condition"] == c and "epochs" in r), "-")
          for c in ("full", "low")}  # fmt: skip
    lines = [
        f"Accuracy (mean ± std over seeds {seeds}); full: n={n['full']} phrases, {ep['full']} "
        f"epochs; low: n={n['low']}, {ep['low']} epochs. Dev selects; test is reported once.\n",
        "| model | full dev | full test | low dev | low test | fit time full (s) "
        "| regimes / H (full) |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in models:
        cell = {c: [r for r in records if r["model"] == m and r["condition"] == c]
                for c in ("full", "low")}  # fmt: skip
        full, low = cell["full"], cell["low"]
        extra = "/".join(str(r.get("n_regimes", r.get("hidden_size", "-"))) for r in full)
        if m.startswith("BoW"):
            extra = "chosen " + "/".join(str(r["chosen"]) for r in full)
        lines.append(
            f"| {m} | {_ms([r['dev'] for r in full])} | {_ms([r['test'] for r in full])} "
            f"| {_ms([r['dev'] for r in low])} | {_ms([r['test'] for r in low])} "
            f"| {_ms([r['fit_time'] for r in full], '{:.1f}')} | {extra} |"
        )
    for condition in ("full", "low"):
        if any(r["condition"] == condition and r["model"].startswith("AL") for r in records):
            lines.append(f"\nChosen P ({condition}, smallest within 1 SE of the best dev): "
                         f"{chosen_P(records, condition)}")  # fmt: skip
    return "\n".join(lines)


def analyse(args):
    """Refit the chosen AL-RNN (seed 0, full data) and measure the integrator."""
    from sk_alrnn.analysis import (
        integrator_mode,
        mode_alignment,
        principal_direction,
        readout_direction,
        separation_along,
        token_unit_rates,
    )

    train, dev, test = load(args)
    args.n_tokens = train.n_tokens
    P = args.analyse_P if args.analyse_P is not None else chosen_P(load_records(args.out))
    spec = dict(recurrent_specs(args))[f"AL-RNN P={P}"]
    rows = _subset(train, "full", 0, args.n_train)
    est = spec(0, args.epochs).fit([train.data[i] for i in rows], train.target[rows])
    system = est.linearize()
    summary = est.regimes_
    mode = integrator_mode(system)
    states = est.latent_states(dev.data)
    final = np.array([z[-1] for z in states])
    pc1, explained = principal_direction(states)
    readout = readout_direction(system.B)
    words = np.array(sorted(train.vocabulary, key=train.vocabulary.get))
    # Each word's push along the mode (the left eigenvector picks what is accumulated),
    # signed so that positive means towards the positive reviews' end.
    toward = np.sign(separation_along(final, dev.target, mode.eigenvector).d_prime) or 1.0
    push = toward * mode.left_eigenvector @ system.C @ est.embedding_.T.astype(np.float64)
    push[:2] = np.nan  # padding and unknown
    order = np.argsort(np.nan_to_num(push, nan=0.0))
    result = {
        "P": P,
        "M": args.M,
        "dim": args.dim,
        "seed": 0,
        "dev_accuracy": est.score(dev.data, dev.target),
        "test_accuracy": est.score(test.data, test.target),
        "n_regimes": int(summary.n_regimes),
        "regime_shares_top5": summary.frequencies[:5].round(4).tolist(),
        "dominant_code": summary.codes[0].astype(int).tolist(),
        "eigenvalue": [mode.eigenvalue.real, mode.eigenvalue.imag],
        "time_constant": mode.time_constant,
        "spectral_radius": float(np.abs(np.linalg.eigvals(system.jacobian(mode.code))).max()),
        "align_mode_readout": mode_alignment(mode.eigenvector, readout),
        "align_mode_pc1": mode_alignment(mode.eigenvector, pc1),
        "align_pc1_readout": mode_alignment(pc1, readout),
        "pc1_explained": explained,
        "sep_mode": vars(separation_along(final, dev.target, mode.eigenvector)),
        "sep_readout": vars(separation_along(final, dev.target, readout)),
        "sep_pc1": vars(separation_along(final, dev.target, pc1)),
        "words_toward_positive": words[order[::-1][:15]].tolist(),
        "words_toward_negative": words[order[:15]].tolist(),
    }
    for key in ("sep_mode", "sep_readout", "sep_pc1"):
        result[key] = {k: result[key][k] for k in ("d_prime", "auc")}
    # Is the slow line shared? The mode of each frequent regime against the dominant one's.
    result["top_regimes"] = [
        {
            "share": float(summary.frequencies[i]),
            "eigenvalue": integrator_mode(system, summary.codes[i]).eigenvalue.real,
            "time_constant": integrator_mode(system, summary.codes[i]).time_constant,
            "align_with_dominant": mode_alignment(
                integrator_mode(system, summary.codes[i]).eigenvector, mode.eigenvector
            ),
        }
        for i in range(min(10, summary.n_regimes))
    ]
    # Which units switch on at which words: dev and test sentences, words seen >= 10 times.
    X = dev.data + test.data
    rates = token_unit_rates(est.regime_codes(X), X, train.n_tokens, min_count=10)
    units = {}
    for unit in range(P):
        top = rates.top_tokens(unit, 8, rate="switch_on")
        units[f"unit {args.M - P + unit}"] = {
            "on_share": float(np.nansum(rates.on[unit] * rates.counts) / rates.counts.sum()),
            "switch_on_top": [(words[t], round(float(rates.switch_on[unit, t]), 3)) for t in top],
        }
    result["units"] = units
    result["negation_on_rates"] = {
        w: np.round(rates.on[:, train.vocabulary[w]], 3).tolist()
        for w in NEGATIONS
        if w in train.vocabulary
    }
    Path(f"{MECHANISM_OUT}_P{P}.json").write_text(json.dumps(result, indent=1, default=float))
    print(json.dumps(result, indent=1, default=float))
    sign = np.sign(result["sep_mode"]["d_prime"]) or 1.0  # positive reviews upwards
    _figure(states, dev.target, mode, P, sign)


def _figure(states, labels, mode, P, sign=1.0):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sk_alrnn.plotting import plot_integrator_projection

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    names = ["negative", "positive"]
    direction = sign * mode.eigenvector
    plot_integrator_projection(states, labels, direction, label_names=names, ax=axes[0],
                               max_sequences=150)  # fmt: skip
    plot_integrator_projection(states, labels, direction, kind="final", label_names=names,
                               ax=axes[1])  # fmt: skip
    lam = mode.eigenvalue.real
    fig.suptitle(f"SST-2 dev, AL-RNN P={P}: states on the mode with eigenvalue {lam:.3f} "
                 f"(tau = {mode.time_constant:.0f} steps)")  # fmt: skip
    fig.tight_layout()
    path = Path(f"{FIGURE}_P{P}.png")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    print(f"figure: {path}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--conditions", nargs="+", default=["full", "low"], choices=["full", "low"])
    p.add_argument("--models", nargs="+", default=None,
                   help="subset, e.g. P0 P8 P32 LSTM GRU BoW (default: all)")  # fmt: skip
    p.add_argument("--M", type=int, default=32)
    p.add_argument("--P", nargs="+", type=int, default=[0, 1, 2, 4, 8])
    p.add_argument("--dim", type=int, default=32)
    p.add_argument("--n-train", type=int, default=None, help="first n phrases only (smoke runs)")
    p.add_argument("--min-count", type=int, default=2)
    p.add_argument("--max-len", type=int, default=40)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--low-epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--analyse", action="store_true", help="refit the chosen AL-RNN, measure it")
    p.add_argument("--analyse-P", type=int, default=None, help="P to analyse (default: chosen)")
    add_run_arguments(p, str(DEFAULT_OUT))
    args = p.parse_args(argv)
    if args.analyse:
        import torch

        torch.set_num_threads(args.threads)
        analyse(args)
        return
    run_or_report(args, run, report)


if __name__ == "__main__":
    main()
