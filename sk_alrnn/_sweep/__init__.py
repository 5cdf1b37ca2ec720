"""The batched sweep engine and the cross-validated estimators built on it."""
