"""NH2015, NH2015comp and B2021 fMRI benchmarks on the Tuckute et al. (2023) release:
registration only."""

from functools import partial

from brainscore_audio.registry import benchmarks, fetchers, stimulus_sets

from .benchmark import component_ridge, nh2015_stimulus_set, rsa, voxel_ridge
from .fetch import fetch

stimulus_sets.register("nh2015", nh2015_stimulus_set)
for _name in ("nh2015", "b2021", "nh2015comp"):  # one archive holds all three
    fetchers.register(_name, fetch)
benchmarks.register("nh2015.voxel-ridge", partial(voxel_ridge, "nh2015"))
benchmarks.register("nh2015.component-ridge", component_ridge)
benchmarks.register("nh2015.rsa", partial(rsa, "nh2015"))
benchmarks.register("b2021.voxel-ridge", partial(voxel_ridge, "b2021"))
benchmarks.register("b2021.rsa", partial(rsa, "b2021"))
