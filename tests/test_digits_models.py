"""The digits experiment's data loaders and models: MNIST IDX reading (paper profile) on files written here,
save_pretrained round trips, Euler sampling and the W2 proxy."""

import gzip
import struct

import numpy as np
import pytest
import torch

from replication.data.digits import load_digits, load_sklearn_digits, read_idx, split_train_test
from replication.flow.digit_pool import grid_samples
from replication.flow.pretrain import drop_conditions
from replication.flow.sampling import sample_euler
from replication.models.class_flow import ClassConditionedFlow
from replication.models.digit_classifier import DigitClassifier
from replication.rewards.even_digits import EvenDigitReward


def write_idx(path, array, compress=False):
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + b"".join(struct.pack(">I", n) for n in array.shape)
    data = header + array.astype(np.uint8).tobytes()
    (gzip.open if compress else open)(path, "wb").write(data)


def test_mnist_loader_reads_idx_files_in_the_real_layout(tmp_path):
    images = np.arange(3 * 28 * 28).reshape(3, 28, 28) % 256
    write_idx(tmp_path / "train-images-idx3-ubyte", images[:2])
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.array([7, 2]))
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", images[2:], compress=True)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.array([4]), compress=True)
    pixels, labels = load_digits("mnist", tmp_path)
    assert pixels.shape == (3, 1, 28, 28) and labels.tolist() == [7, 2, 4]
    assert pixels.min().item() == -1.0 and pixels.max().item() == 1.0


def test_mnist_loader_errors_name_the_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        load_digits("mnist", tmp_path)


def test_idx_reader_rejects_truncated_and_foreign_files(tmp_path):
    (tmp_path / "bad").write_bytes(b"PK\x03\x04rest")
    with pytest.raises(ValueError, match="not an unsigned-byte IDX"):
        read_idx(tmp_path / "bad")
    write_idx(tmp_path / "short", np.zeros((2, 2, 2)))
    (tmp_path / "short").write_bytes((tmp_path / "short").read_bytes()[:-1])
    with pytest.raises(ValueError, match="header says"):
        read_idx(tmp_path / "short")


def test_sklearn_digits_split_is_seeded():
    images, labels = load_sklearn_digits()
    assert images.shape == (1797, 1, 8, 8) and -1.0 <= images.min() and images.max() <= 1.0
    a, b = split_train_test(images, labels, 0.2, seed=3), split_train_test(images, labels, 0.2, seed=3)
    assert torch.equal(a["test_labels"], b["test_labels"]) and len(a["test_labels"]) == 359


def tiny_flow():
    torch.manual_seed(0)
    return ClassConditionedFlow(sample_size=8, num_layers=1, num_attention_heads=1, attention_head_dim=8)


def test_flow_model_round_trips_through_save_pretrained(tmp_path):
    model = tiny_flow()
    model.save_pretrained(tmp_path / "m")
    loaded = ClassConditionedFlow.from_pretrained(tmp_path / "m")
    x, sigma, labels = torch.randn(2, 1, 8, 8), torch.tensor([0.3, 0.9]), torch.tensor([1, 4])
    torch.testing.assert_close(model(x, sigma, labels), loaded(x, sigma, labels))


def test_euler_sampling_shape_and_zero_w2_against_itself():
    model = tiny_flow()
    labels = torch.tensor([0, 1, 2])
    velocity = lambda x, s: model(x, s, labels)  # noqa: E731
    samples = sample_euler(velocity, torch.randn(3, 1, 8, 8), num_steps=3, reference=velocity)
    assert samples.images.shape == (3, 1, 8, 8)
    assert samples.w2.tolist() == [0.0, 0.0, 0.0]


def test_euler_sampling_of_a_constant_velocity_moves_by_exactly_that_velocity():
    # dx/dsigma = c from sigma = 1 to 0 ends at x(1) - c, whatever the step count
    noise = torch.zeros(1, 1, 2, 2)
    samples = sample_euler(lambda x, s: torch.ones_like(x), noise, num_steps=4)
    torch.testing.assert_close(samples.images, -torch.ones(1, 1, 2, 2))


def test_even_digit_reward_sums_even_class_probabilities():
    classifier = DigitClassifier(channels=2, feature_dim=4)
    with torch.no_grad():
        classifier.head.weight.zero_()
        classifier.head.bias.copy_(torch.log(torch.tensor([4.0, 1, 1, 1, 1, 1, 1, 1, 1, 1])))
    reward = EvenDigitReward(classifier)(torch.zeros(2, 1, 8, 8))
    # softmax = [4, 1, ...] / 13; even classes 0, 2, 4, 6, 8 -> (4 + 4) / 13
    torch.testing.assert_close(reward, torch.full((2,), 8.0 / 13.0))


def test_null_class_adds_one_label_and_survives_save_pretrained(tmp_path):
    torch.manual_seed(0)
    model = ClassConditionedFlow(sample_size=8, num_layers=1, num_attention_heads=1, attention_head_dim=8, null_class=True)
    assert model.null_label == 10 and model.label_embedding.num_embeddings == 11
    model.save_pretrained(tmp_path / "m")
    loaded = ClassConditionedFlow.from_pretrained(tmp_path / "m")
    x, sigma, labels = torch.randn(2, 1, 8, 8), torch.tensor([0.3, 0.9]), torch.tensor([10, 4])
    torch.testing.assert_close(model(x, sigma, labels), loaded(x, sigma, labels))
    with pytest.raises(ValueError, match="no null class"):
        tiny_flow().null_label


def test_drop_conditions_replaces_the_drawn_share_by_the_null_label():
    labels = torch.arange(8)
    draws = torch.rand(8, generator=torch.Generator().manual_seed(5))  # what drop_conditions draws first
    dropped = drop_conditions(labels, 0.5, 10, torch.Generator().manual_seed(5))
    assert dropped.tolist() == [10 if d < 0.5 else k for k, d in zip(range(8), draws.tolist())]
    assert drop_conditions(labels, 0.0, 10, torch.Generator()).tolist() == labels.tolist()
    assert drop_conditions(labels, 1.0, 10, torch.Generator()).tolist() == [10] * 8


def test_grid_samples_conditioned_on_digits_or_on_one_label():
    model = ClassConditionedFlow(sample_size=8, num_layers=1, num_attention_heads=1, attention_head_dim=8, null_class=True)
    assert grid_samples(model, rows=2, sampling_steps=2, seed=0).shape == (20, 1, 8, 8)
    unconditional = grid_samples(model, rows=2, sampling_steps=2, seed=0, label=model.null_label, columns=3)
    assert unconditional.shape == (6, 1, 8, 8)
    with pytest.raises(ValueError, match="10 columns"):
        grid_samples(model, rows=2, sampling_steps=2, seed=0, columns=3)
