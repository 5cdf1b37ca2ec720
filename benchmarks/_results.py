"""What the study scripts share: a resumable JSON-lines result file, table cells, the CLI tail.

Each fit appends one JSON line; a rerun skips the fits whose key is already in the file,
so a cut-off run resumes where it stopped.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterable
from typing import Callable

import numpy as np
import torch


def load_records(path: str) -> list[dict]:
    """Every record of a result file (none if it does not exist yet)."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f]


def completed(path: str, key_fields: Iterable[str]) -> set[tuple]:
    """Keys (tuples of ``key_fields``) of the fits already recorded in ``path``."""
    fields = tuple(key_fields)
    return {tuple(record[k] for k in fields) for record in load_records(path)}


def append_record(path: str, record: dict) -> None:
    """Print a record and append it to the result file as one JSON line."""
    line = json.dumps(record)
    print(line, flush=True)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "a") as f:
        f.write(line + "\n")


def mean_std(values, fmt: str = "{:.3f}") -> str:
    """'mean ± std' table cell; overflowed or diverging (mean < -10) cells are said so."""
    v = np.asarray(values, dtype=float)
    if len(v) == 0:
        return "-"
    if not np.isfinite(v).all():
        return f"-inf ({int((~np.isfinite(v)).sum())}/{len(v)} overflow)"
    if v.mean() < -10:
        return f"{v.mean():.0e} (diverges)"
    return (fmt + " ± " + fmt).format(v.mean(), v.std()) if len(v) > 1 else fmt.format(v[0])


def add_run_arguments(parser: argparse.ArgumentParser, default_out: str) -> None:
    """The options every study script has: --threads, --out, --report."""
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=default_out)
    parser.add_argument(
        "--report", action="store_true", help="print markdown tables of --out and exit"
    )


def run_or_report(args: argparse.Namespace, run: Callable, report: Callable) -> None:
    """Print the report of ``args.out``, or run the study with ``args.threads`` threads."""
    if args.report:
        print(report(args.out))
        return
    torch.set_num_threads(args.threads)
    run(args)
