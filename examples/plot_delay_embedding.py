"""
Delay embedding of a scalar recording
=====================================

A single observed channel does not show the state of the system that produced it.
:class:`sk_alrnn.preprocessing.DelayEmbedding` stacks the current value with lagged
copies, ``[x_t, x_{t-tau}, x_{t-2 tau}]``; for the x-coordinate of the Lorenz-63 system
the embedded trajectory unfolds into the familiar two-lobed attractor (Takens' theorem).
No training here: the point is the data layout a forecaster would be given.
"""

import matplotlib.pyplot as plt

from sk_alrnn.datasets import make_lorenz63
from sk_alrnn.preprocessing import DelayEmbedding, SequenceScaler

trajectory = make_lorenz63(n_steps=3000, random_state=0)  # (T, 3)
x = trajectory[:, :1]  # observe only the first coordinate: (T, 1)

pipeline_steps = [SequenceScaler(), DelayEmbedding(dimension=3, delay=10)]
embedded = [x]
for step in pipeline_steps:
    embedded = step.fit_transform(embedded)
E = embedded[0]
print("recording", x.shape, "-> embedding", E.shape)

# %%
fig = plt.figure(figsize=(8, 4))
ax = fig.add_subplot(1, 2, 1, projection="3d")
ax.plot(*trajectory.T, lw=0.5)
ax.set_title("true state (x, y, z)")
ax = fig.add_subplot(1, 2, 2, projection="3d")
ax.plot(*E.T, lw=0.5, color="C1")
ax.set_title("delay embedding of x alone")
plt.tight_layout()
plt.show()
