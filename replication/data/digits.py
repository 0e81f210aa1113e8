"""Handwritten digits: scikit-learn's bundled 8x8 set (tiny and smoke profiles) or MNIST's IDX files (paper).

Images come out as float32 tensors (N, 1, H, W) scaled to [-1, 1], labels as int64 (N,).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
IDX_DTYPE = {0x08: np.uint8}


def load_sklearn_digits() -> tuple[torch.Tensor, torch.Tensor]:
    """The 1,797 8x8 digits bundled with scikit-learn (pixel values 0..16)."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = torch.from_numpy(bunch.images.astype(np.float32) / 16.0 * 2.0 - 1.0).unsqueeze(1)  # (N, 1, 8, 8)
    return images, torch.from_numpy(bunch.target.astype(np.int64))


def read_idx(path: str | Path) -> np.ndarray:
    """Read one IDX file (MNIST's format: zero, zero, dtype code, ndim, big-endian sizes, then the data)."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        raw = handle.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_DTYPE:
        raise ValueError(f"{path} is not an unsigned-byte IDX file (bad magic {raw[:4]!r})")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=IDX_DTYPE[raw[2]], offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header says {shape} but the file holds {data.size} values")
    return data.reshape(shape)


def _find(folder: Path, stem: str) -> Path:
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"MNIST file {stem}[.gz] not found in {folder}; put the four IDX files there (see README, paper profile)"
    )


def load_mnist(folder: str | Path) -> tuple[torch.Tensor, torch.Tensor]:
    """MNIST's 70,000 28x28 digits (train and test files together; the pipeline makes its own split)."""
    folder = Path(folder)
    images = np.concatenate([read_idx(_find(folder, MNIST_FILES[k])) for k in ("train_images", "test_images")])
    labels = np.concatenate([read_idx(_find(folder, MNIST_FILES[k])) for k in ("train_labels", "test_labels")])
    if images.ndim != 3 or len(images) != len(labels):
        raise ValueError(f"MNIST files in {folder} disagree: images {images.shape}, labels {labels.shape}")
    pixels = torch.from_numpy(images.astype(np.float32) / 255.0 * 2.0 - 1.0).unsqueeze(1)  # (N, 1, 28, 28)
    return pixels, torch.from_numpy(labels.astype(np.int64))


def load_digits(source: str, mnist_dir: str | Path) -> tuple[torch.Tensor, torch.Tensor]:
    if source == "sklearn_digits":
        return load_sklearn_digits()
    if source == "mnist":
        return load_mnist(mnist_dir)
    raise ValueError(f"unknown digits source {source!r}; allowed: sklearn_digits, mnist")


def split_train_test(
    images: torch.Tensor, labels: torch.Tensor, test_fraction: float, seed: int
) -> dict[str, torch.Tensor]:
    """A seeded random split, returned as the safetensors-ready dict the later stages read."""
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))
    n_test = max(1, int(round(test_fraction * len(labels))))
    test, train = order[:n_test], order[n_test:]
    return {
        "train_images": images[train].contiguous(),
        "train_labels": labels[train].contiguous(),
        "test_images": images[test].contiguous(),
        "test_labels": labels[test].contiguous(),
    }


def save_split(split: dict[str, torch.Tensor], path: str | Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    save_file(split, str(path))


def load_split(path: str | Path) -> dict[str, torch.Tensor]:
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path} not found: run the data stage first (dvc repro orw-data)")
    return load_file(str(path))
