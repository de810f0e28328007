"""Tracker service: per-sensor multi-target tracking (domain/ is pure; no I/O)."""
