"""Tests of the pure solver (clearinghouse.planning.solver), one file per stage where it fits."""
