"""Torch kernels and modules: the AL-RNN recurrence, its batched form, and the modules."""
