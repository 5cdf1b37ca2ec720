"""
Choosing P with a cross-validated sweep
=======================================

Sweep the number of ReLU units ``P`` on the addition problem and keep the smallest ``P``
within one standard error of the best score (:func:`sk_alrnn.model_selection.sweep_P`).
The settings are small so that the example runs in seconds: a few hundred short sequences
and 30 epochs, so the scores are lower than in ``benchmarks/RESULTS.md``.
"""

import matplotlib.pyplot as plt

from sk_alrnn import ALRNNRegressor
from sk_alrnn.datasets import make_addition
from sk_alrnn.model_selection import sweep_P

X, y = make_addition(n_samples=400, n_steps=10, random_state=0)
estimator = ALRNNRegressor(M=8, max_epochs=30, lr=1e-2, random_state=0)
result = sweep_P(estimator, X, y, P_values=[0, 1, 2, 8], cv=3)
print(result.to_text())

# %%
# The chosen model is refit on all the data; its regimes are the linear pieces it uses.
chosen = result.search.best_estimator_
print(f"chosen P = {result.minimal_P}, regimes visited: {chosen.regimes_.n_regimes}")
for regime in chosen.linearize().regimes[:3]:
    print(
        regime.code.astype(int),
        "largest |eigenvalue| =",
        round(abs(regime.eigenvalues).max(), 3),
    )

# %%
result.plot()
plt.tight_layout()
plt.show()
