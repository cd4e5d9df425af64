"""Generic fMRI benchmark types shared by every fMRI data set (demo, NH2015, B2021)."""

from .dataset import FMRIDataset, VoxelResponses
from .rsa_benchmark import RSABenchmark
from .voxel_ridge import VoxelRidgeBenchmark

__all__ = ["FMRIDataset", "RSABenchmark", "VoxelResponses", "VoxelRidgeBenchmark"]
