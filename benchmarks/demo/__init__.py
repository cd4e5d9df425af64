"""Embedded demo benchmarks (no download): registration only."""

from brainscore_audio.registry import benchmarks, stimulus_sets

from .benchmark import demo_stimulus_set, rsa, voxel_ridge

stimulus_sets.register("demo", lambda data_dir=None: demo_stimulus_set())
benchmarks.register("demo.voxel-ridge", lambda data_dir=None: voxel_ridge(), tags={"embedded"})
benchmarks.register("demo.rsa", lambda data_dir=None: rsa(), tags={"embedded"})
