"""Fusion domain: per-sensor tracks -> world-frame Gaussians -> track-to-track association ->
covariance intersection -> fused tracks with global ids, zone events and threat levels.

Pure: numpy, scipy and lap only; every call takes explicit timestamps (seconds since the
epoch, UTC) and never reads a clock. The service adapter (services/fusion) converts protos to
the value types in types.py and back.
"""
