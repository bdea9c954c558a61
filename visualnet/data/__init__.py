"""Datasets (built-in and imported), preprocessing and splits. No Qt, no engine."""
