"""Tests of the research code kept beside its benchmarks (bench/)."""
