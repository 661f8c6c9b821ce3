"""Differentiable Functions on raw arrays: one op family per file, forward and backward side by side."""
