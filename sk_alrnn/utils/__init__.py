"""Validation and input parsing shared by every layer (numpy and scikit-learn only)."""
