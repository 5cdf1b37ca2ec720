"""Safe model files learn their classes by registration; values keep their own keys."""

import ast
import pathlib

import numpy as np
from sklearn.preprocessing import LabelEncoder

import sk_alrnn
from sk_alrnn.io._codec import Reader, Writer

IO_DIR = pathlib.Path(sk_alrnn.__file__).parent / "io"


def test_two_label_encoders_in_one_value_round_trip():
    first = LabelEncoder().fit([3, 1, 2])
    second = LabelEncoder().fit([10, 20])
    writer = Writer()
    node = writer.encode({"a": first, "b": second}, "encoders")
    decoded = Reader(writer.arrays).decode(node, "encoders")
    assert decoded["a"].classes_.tolist() == [1, 2, 3]
    assert decoded["b"].classes_.tolist() == [10, 20]


def test_file_format_modules_import_no_other_part_of_the_package():
    # The codec and the file layer know no estimator, module or result class:
    # those register themselves, so io sits below every class it stores.
    for path in sorted(IO_DIR.glob("*.py")):
        tree = ast.parse(path.read_text())
        outside = [
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and node.level == 2
            and node.module not in ("_version",)
        ]
        rooted = [
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
            if alias.name.split(".")[0] == "sk_alrnn"
        ]
        assert outside == [] and rooted == [], path.name


def test_load_in_a_fresh_process_finds_every_estimator_class(tmp_path):
    import subprocess
    import sys

    X = np.random.RandomState(0).randn(8, 4, 1)
    path = tmp_path / "clf.safetensors"
    clf = sk_alrnn.ALRNNClassifier(M=3, P=1, max_epochs=1, random_state=0).fit(X, [0, 1] * 4)
    clf.save(path)
    code = f"import sk_alrnn; print(type(sk_alrnn.load({str(path)!r})).__name__)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "ALRNNClassifier", result.stderr
