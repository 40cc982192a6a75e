"""Benchmarks of each stage against its alternative; see BENCHMARKS.md."""
