"""Benchmarks of wxc-reconcile against the sandbox over real HTTP (see bench/README.md)."""
