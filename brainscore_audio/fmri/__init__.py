"""Generic fMRI benchmark types shared by every fMRI data set (demo, NH2015, B2021)."""

from .component_ridge import ComponentRidgeBenchmark
from .dataset import ComponentDataset, FMRIDataset, VoxelResponses
from .rsa_benchmark import RSABenchmark
from .voxel_ridge import VoxelRidgeBenchmark

__all__ = ["ComponentDataset", "ComponentRidgeBenchmark", "FMRIDataset", "RSABenchmark",
           "VoxelResponses", "VoxelRidgeBenchmark"]
