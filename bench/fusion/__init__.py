"""Fusion benchmark: a seeded three-sensor scenario (camera, radar, lidar) through AURA's
per-sensor trackers and FusionEngine, scored against the ground truth."""
