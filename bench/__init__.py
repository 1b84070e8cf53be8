"""Benchmarks: every figure is printed beside an anchor measured in the same run.

This machine is shared and noisy, so no test asserts a speed; `make bench` runs each
``bench/bench_*.py`` module's ``run(report)`` and prints one table with the ratios.
"""
