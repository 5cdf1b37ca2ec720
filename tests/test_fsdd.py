"""load_fsdd on a slice of the shared recordings: features, splits, paths."""

import os
from pathlib import Path

import numpy as np
import pytest

from sk_alrnn.datasets import load_fsdd

librosa = pytest.importorskip("librosa", reason="load_fsdd needs the audio extra (librosa)")
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "fsdd.npz"
pytestmark = pytest.mark.skipif(not SHARED.exists(), reason=f"{SHARED} is not there")


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """fsdd.npz with 30 recordings of the shared file: every 100th, in order."""
    with np.load(SHARED) as archive:
        full = {name: archive[name] for name in archive.files}
    keep = np.arange(0, 3000, 100)
    starts = np.r_[0, np.cumsum(full["lengths"])[:-1]]
    audio = np.concatenate(
        [full["audio"][starts[i] : starts[i] + full["lengths"][i]] for i in keep]
    )
    folder = tmp_path_factory.mktemp("fsdd")
    np.savez(
        folder / "fsdd.npz",
        audio=audio,
        lengths=full["lengths"][keep],
        digit=full["digit"][keep],
        speaker=full["speaker"][keep],
        take=full["take"][keep],
        sample_rate=full["sample_rate"],
    )
    return folder, {name: full[name][keep] for name in ("lengths", "digit", "speaker", "take")}


def test_mfcc_frames_are_librosas(small):
    folder, meta = small
    fsdd = load_fsdd(folder)
    assert len(fsdd.data) == 30 and fsdd.sample_rate == 8000
    np.testing.assert_array_equal(fsdd.target, meta["digit"])
    # 16 ms hops with centred frames: 1 + floor(samples / 128) frames.
    assert [x.shape for x in fsdd.data] == [(1 + n // 128, 13) for n in meta["lengths"]]
    with np.load(folder / "fsdd.npz") as archive:
        signal = archive["audio"][: meta["lengths"][0]].astype(np.float32) / 32768.0
    expected = librosa.feature.mfcc(
        y=signal, sr=8000, n_mfcc=13, n_fft=256, hop_length=128, n_mels=40
    ).T
    np.testing.assert_allclose(fsdd.data[0], expected, rtol=1e-5, atol=1e-4)
    assert all(x.dtype == np.float32 for x in fsdd.data)


def test_logmel_shape(small):
    folder, _ = small
    X, y = load_fsdd(folder / "fsdd.npz", features="logmel", n_mels=20, return_X_y=True)
    assert X[0].shape[1] == 20 and len(X) == len(y) == 30


def test_official_split_and_speaker_hold_out(small):
    folder, meta = small
    test = load_fsdd(folder, split="test")
    train = load_fsdd(folder, split="train")
    assert (test.take < 5).all() and (train.take >= 5).all()
    assert (
        len(test.data) == int((meta["take"] < 5).sum()) and len(train.data) + len(test.data) == 30
    )
    speaker = meta["speaker"][0]
    held = load_fsdd(folder, split="test", hold_out_speaker=speaker)
    rest = load_fsdd(folder, split="train", hold_out_speaker=speaker)
    assert set(held.speaker) == {speaker} and speaker not in set(rest.speaker)
    assert len(held.data) == int((meta["speaker"] == speaker).sum())


def test_environment_variable_and_nothing_written(small, monkeypatch):
    folder, _ = small
    before = sorted(os.listdir(folder))
    monkeypatch.setenv("SK_ALRNN_DATA", str(folder))
    assert len(load_fsdd(split="test").data) > 0
    assert sorted(os.listdir(folder)) == before


def test_errors(small, tmp_path, monkeypatch):
    folder, _ = small
    monkeypatch.delenv("SK_ALRNN_DATA", raising=False)
    with pytest.raises(ValueError, match="SK_ALRNN_DATA"):
        load_fsdd()
    with pytest.raises(ValueError, match="fsdd.npz"):
        load_fsdd(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="'features'"):
        load_fsdd(folder, features="wav")
    with pytest.raises(ValueError, match="hold_out_speaker"):
        load_fsdd(folder, hold_out_speaker="nobody")
