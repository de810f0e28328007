"""Tracker benchmark: AURA's tracker core beside ByteTrack, norfair, motpy and Stone Soup.

Run ``python -m bench.tracker [--quick]`` (``make bench-tracker``). ``bench.tracker.scenarios`` is
pure (numpy/scipy only) and may be imported by tests.
"""
