"""The Free Spoken Digit Dataset as sequences of frame features (MFCC or log-mel).

The recordings are read from ``fsdd.npz`` (all 3,000 recordings at 8 kHz,
concatenated as int16, with their lengths, digits, speakers and takes); the frame
features are computed by librosa (the optional ``audio`` extra), in memory, on
each call: nothing is downloaded and nothing is written next to the data.
"""

from __future__ import annotations

import os

import numpy as np
from sklearn.utils import Bunch

from ..utils import check_option, check_param, input_error
from ._files import DATA_ENV, resolve_data_path

_FEATURES = ("mfcc", "logmel")
_SPLITS = (None, "train", "test")
_TEST_TAKES = 5  # the dataset's official split: takes 0-4 test, 5-49 training
_OWNER = "load_fsdd"


def _import_librosa():
    try:
        import librosa
    except ImportError as exc:
        raise ImportError(
            "load_fsdd computes the frame features with librosa, which is not installed: "
            "pip install sk_alrnn[audio]."
        ) from exc
    return librosa


def _frames(librosa, signal: np.ndarray, sr: int, features: str, n_mfcc, n_mels, n_fft, hop):
    """(T, F) float32 features of one recording: librosa's MFCC or log-power mel spectrum."""
    # center=True pads n_fft // 2 on both sides, so even the shortest recording
    # (1,148 samples) has a frame per hop_length samples.
    mel_kwargs = {"sr": sr, "n_fft": n_fft, "hop_length": hop, "n_mels": n_mels}
    if features == "mfcc":
        values = librosa.feature.mfcc(y=signal, n_mfcc=n_mfcc, **mel_kwargs)
    else:
        power = librosa.feature.melspectrogram(y=signal, **mel_kwargs)
        values = librosa.power_to_db(power, ref=1.0)
    return np.ascontiguousarray(values.T, dtype=np.float32)


def _selection(take, speaker, split, hold_out_speaker) -> np.ndarray:
    """Indices of the recordings of ``split`` (all when None)."""
    if hold_out_speaker is None:
        is_test = take < _TEST_TAKES
    else:
        if hold_out_speaker not in set(speaker.tolist()):
            raise input_error(
                f"The 'hold_out_speaker' parameter of {_OWNER}",
                f"be one of the speakers {sorted(set(speaker.tolist()))} or None",
                repr(hold_out_speaker),
            )
        is_test = speaker == hold_out_speaker
    keep = {None: np.ones_like(is_test), "train": ~is_test, "test": is_test}[split]
    return np.flatnonzero(keep), is_test


def load_fsdd(
    path: str | os.PathLike | None = None,
    *,
    features: str = "mfcc",
    n_mfcc: int = 13,
    n_mels: int = 40,
    n_fft: int = 256,
    hop_length: int = 128,
    split: str | None = None,
    hold_out_speaker: str | None = None,
    return_X_y: bool = False,
):
    """Load the Free Spoken Digit Dataset: one feature sequence per spoken digit.

    3,000 recordings (6 speakers x 10 digits x 50 takes, 8 kHz) become
    variable-length sequences of frame features, MFCC or log-mel, computed with
    librosa (``pip install sk_alrnn[audio]``).  The defaults (32 ms windows every
    16 ms) give 9 to 143 frames per recording, 28 on average.

    Parameters
    ----------
    path : str, path-like or None, default=None
        ``fsdd.npz`` or a folder holding it; None reads the folder named by the
        environment variable ``SK_ALRNN_DATA``.  Nothing is downloaded.
    features : {"mfcc", "logmel"}, default="mfcc"
        ``"mfcc"``: ``librosa.feature.mfcc`` (``n_mfcc`` coefficients);
        ``"logmel"``: ``librosa.power_to_db`` of ``librosa.feature.melspectrogram``
        (``n_mels`` bands, dB re 1).
    n_mfcc : int, default=13
        Cepstral coefficients per frame (``features="mfcc"``).
    n_mels : int, default=40
        Mel bands (both feature kinds; MFCCs are computed from them).
    n_fft : int, default=256
        Window length in samples (32 ms at 8 kHz).
    hop_length : int, default=128
        Samples between frames (16 ms).
    split : {None, "train", "test"}, default=None
        None: every recording; otherwise the official split (takes 0-4 test,
        5-49 training), or the speaker split when ``hold_out_speaker`` is given.
    hold_out_speaker : str or None, default=None
        A speaker's name (e.g. ``"jackson"``): the test set is all of that
        speaker's recordings and training all the others', instead of the
        split by takes.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of the Bunch.

    Returns
    -------
    data : Bunch
        ``data`` (list of (T_i, F) float32 arrays), ``target`` (int digits 0-9),
        ``speaker`` (str), ``take`` (int), ``is_test`` (bool: the recording is
        in the test part of the split in use, by takes or by speaker),
        ``feature_names``, ``sample_rate`` and ``DESCR``, for the recordings of
        ``split`` in file order.
    (data, target) : tuple
        With ``return_X_y=True``.

    Raises
    ------
    ValueError
        If the file is missing or a parameter is invalid.
    ImportError
        If librosa is not installed.

    Notes
    -----
    Features are recomputed on every call (about 1 ms per recording) and kept
    only in the returned arrays.  Free Spoken Digit Dataset, Jakobovski et al.,
    CC BY-SA 4.0 (cite it when publishing results).

    Examples
    --------
    A file of the same layout with two one-second recordings (a 440 Hz tone
    and noise) shows the form of the result:

    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> tone = np.sin(2 * np.pi * 440 * np.arange(8000) / 8000)
    >>> audio = (np.concatenate([tone, rng.uniform(-1, 1, 8000)]) * 3e4).astype(np.int16)
    >>> folder = Path(tempfile.mkdtemp())
    >>> np.savez(folder / "fsdd.npz", audio=audio, lengths=[8000, 8000], digit=[3, 7],
    ...          speaker=["ann", "bob"], take=[2, 9], sample_rate=8000)
    >>> fsdd = load_fsdd(folder)
    >>> [x.shape for x in fsdd.data], fsdd.target.tolist(), fsdd.is_test.tolist()
    ([(63, 13), (63, 13)], [3, 7], [True, False])
    >>> X, y = load_fsdd(folder, features="logmel", split="train", return_X_y=True)
    >>> X[0].shape, y.tolist()
    ((63, 40), [7])
    """
    check_option(features, "features", _OWNER, _FEATURES)
    check_option(split, "split", _OWNER, _SPLITS)
    for name, value in [("n_mfcc", n_mfcc), ("n_mels", n_mels), ("n_fft", n_fft)]:
        check_param(value, name, _OWNER, min_val=1)
    check_param(hop_length, "hop_length", _OWNER, min_val=1)
    if features == "mfcc" and n_mfcc > n_mels:
        raise input_error(f"The 'n_mfcc' parameter of {_OWNER}", f"be <= n_mels={n_mels}", n_mfcc)
    librosa = _import_librosa()
    file = resolve_data_path(path, "fsdd.npz", _OWNER)
    with np.load(file, allow_pickle=False) as archive:
        audio, lengths = archive["audio"], archive["lengths"].astype(np.int64)
        digit, take = archive["digit"].astype(np.int64), archive["take"].astype(np.int64)
        speaker, sr = archive["speaker"].astype(str), int(archive["sample_rate"])
    index, is_test = _selection(take, speaker, split, hold_out_speaker)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    data = [
        _frames(
            librosa,
            audio[starts[i] : starts[i] + lengths[i]].astype(np.float32) / 32768.0,
            sr,
            features,
            n_mfcc,
            n_mels,
            n_fft,
            hop_length,
        )
        for i in index
    ]
    width = n_mfcc if features == "mfcc" else n_mels
    if return_X_y:
        return data, digit[index]
    return Bunch(
        data=data,
        target=digit[index],
        speaker=speaker[index],
        take=take[index],
        is_test=is_test[index],
        feature_names=[f"{features}_{k}" for k in range(width)],
        sample_rate=sr,
        DESCR=(
            f"Free Spoken Digit Dataset ({file.name}, read from {DATA_ENV} or a path): "
            f"{len(index)} recordings, {features} features ({width} per frame, "
            f"n_fft={n_fft}, hop_length={hop_length})."
        ),
    )
