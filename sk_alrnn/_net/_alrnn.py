"""What the AL-RNN adds to a sequence net: M and P, regimes, latent states, linearize()."""

from __future__ import annotations

import numbers

import numpy as np

from ..analysis import PiecewiseLinearSystem, RegimeSummary, codes_from_states, regime_summary
from ..io import PersistenceMixin
from ..nn import ALRNNModule
from ..utils import Interval, SequenceBatch, unpad

__all__ = ["ALRNNMixin"]


class ALRNNMixin(PersistenceMixin):
    """M, P, regimes_ and the analysis methods, on top of a sequence-net base."""

    _persisted_attributes = ("regimes_",)
    _persisted_types = (RegimeSummary,)

    _parameter_constraints = {
        "M": [Interval(numbers.Integral, 1, None)],
        "P": [Interval(numbers.Integral, 0, "M", text="in [0, M={M}]")],
    }

    def __init__(self, M=16, P=2, *, module=ALRNNModule, criterion, **kwargs):
        super().__init__(module, criterion=criterion, **kwargs)
        self.M, self.P = M, P

    def _module_kwargs(self):
        return {"M": self.M, "P": self.P}

    def on_train_end(self, net, X=None, y=None, **kwargs):
        """Summarise the regimes visited on all of the fit's X (skorch hook)."""
        super().on_train_end(net, X=X, y=y, **kwargs)
        self.regimes_ = self._regime_summary(X.batch)

    def _inference_width(self) -> int:
        """Floats per step of a forward pass: the scan's buffer (M+P), drive, input, output."""
        module = self.module_
        return 2 * module.M + module.P + self.n_features_in_ + self._n_outputs_

    # ---- latent states and regimes --------------------------------------------
    def _state_chunks(self, batch: SequenceBatch):
        """z_1..z_T chunk by chunk, (chunk, T_max, M) numpy arrays."""
        width = self.module_.M + self.module_.P
        return self._iter_chunks(batch, lambda module, X, lengths: module.latent_states(X), width)

    def _padded_codes(self, batch: SequenceBatch) -> np.ndarray:
        """Regime codes of every step, (n, T_max, P): only P bools per step are kept."""
        P = self.module_.P
        return np.concatenate([codes_from_states(Z, P) for Z in self._state_chunks(batch)])

    def _regime_summary(self, batch: SequenceBatch) -> RegimeSummary:
        codes = self._padded_codes(batch)
        return regime_summary([codes[i, :length] for i, length in enumerate(batch.lengths)])

    def latent_states(self, X):
        """Latent states z_1..z_T of each sequence.

        Parameters
        ----------
        X : array-like of shape (n, T, F) or (n, T), or list of (T_i, F) arrays
            Input sequences.

        Returns
        -------
        Z : ndarray of shape (n, T, M), or list of (T_i, M) arrays for list input
            Float32, as computed.

        Examples
        --------
        >>> import numpy as np
        >>> from sk_alrnn import ALRNNRegressor
        >>> X = np.random.RandomState(0).randn(20, 6, 2)
        >>> reg = ALRNNRegressor(M=8, P=2, max_epochs=2, random_state=0).fit(X, X.sum(axis=(1, 2)))
        >>> reg.latent_states(X).shape
        (20, 6, 8)
        >>> [Z.shape for Z in reg.latent_states([X[0, :3], X[1]])]
        [(3, 8), (6, 8)]
        """
        batch = self._check_X(X)
        return unpad(np.concatenate(list(self._state_chunks(batch))), batch)

    def regime_codes(self, X):
        """Regime code (sign pattern of the P ReLU units) at every step.

        Parameters
        ----------
        X : array-like of shape (n, T, F) or (n, T), or list of (T_i, F) arrays
            Input sequences.

        Returns
        -------
        codes : bool ndarray of shape (n, T, P), or list of (T_i, P) arrays for list input
            ``codes[i, t]`` is ``z_t[M-P:] > 0`` for step t of sequence i.

        Examples
        --------
        >>> import numpy as np
        >>> from sk_alrnn import ALRNNRegressor
        >>> X = np.random.RandomState(0).randn(20, 6, 2)
        >>> reg = ALRNNRegressor(M=8, P=3, max_epochs=2, random_state=0).fit(X, X.sum(axis=(1, 2)))
        >>> codes = reg.regime_codes(X)
        >>> codes.shape, codes.dtype
        ((20, 6, 3), dtype('bool'))
        >>> bool((codes == (reg.latent_states(X)[..., 5:] > 0)).all())
        True
        """
        batch = self._check_X(X)
        return unpad(self._padded_codes(batch), batch)

    def linearize(self) -> PiecewiseLinearSystem:
        """The fitted network as a piecewise-affine system (numpy, float64).

        Reads the module's ``system_matrices()`` (``a, W, C, h, B, b``), so a
        custom ``module`` must provide that method.

        Returns
        -------
        system : PiecewiseLinearSystem
            With ``a, W, C, h, B, b, M, P``, ``jacobian(code)``,
            ``fixed_point(code, s)`` and ``regimes`` (one per row of
            ``regimes_.codes``, same order).

        Raises
        ------
        TypeError
            If the module has no ``system_matrices()`` method.

        Examples
        --------
        >>> import numpy as np
        >>> from sk_alrnn import ALRNNRegressor
        >>> X = np.random.RandomState(0).randn(20, 6, 2)
        >>> reg = ALRNNRegressor(M=8, P=2, max_epochs=2, random_state=0).fit(X, X.sum(axis=(1, 2)))
        >>> system = reg.linearize()
        >>> system.W.shape, system.C.shape, len(system.regimes) == reg.regimes_.n_regimes
        ((8, 8), (8, 2), True)
        """
        self.check_is_fitted(["module_", "regimes_"])
        system_matrices = getattr(self.module_, "system_matrices", None)
        if system_matrices is None:
            raise TypeError(
                f"linearize() needs a module with a system_matrices() method returning "
                f"a, W, C, h, B and b; {type(self.module_).__name__} has none."
            )
        matrices = {
            name: value.detach().cpu().double().numpy() for name, value in system_matrices().items()
        }
        return PiecewiseLinearSystem(**matrices, P=self.module_.P, regime_codes=self.regimes_.codes)
