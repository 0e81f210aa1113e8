# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 10 · ORW-CFM-W2 · The digits
#
# ORW-CFM-W2 (Fan et al., ICLR 2025) fine-tunes a flow-matching generator *online* towards a reward, and shows
# on MNIST that without a regulariser the policy collapses onto the reward's argmax. The task is
# "generate even digits": the reward is a classifier's probability that a sample shows 0, 2, 4, 6 or 8.
#
# This step only prepares the images: scikit-learn's bundled 8x8 digits on the CPU profiles (offline, 1,797
# images), MNIST's IDX files from `data/mnist/` on the paper profile. Pixels are scaled to [-1, 1] and a
# seeded share is held out to measure the reward classifier honestly.

# %% tags=["parameters"]
params_file = "params.yaml"

# %%
from replication import configs
from replication.configs.orw import ARTIFACTS, ORWConfig
from replication.data.digits import load_digits, save_split, split_train_test
from replication.pipeline.params import snapshot

profile, cfg = configs.load(ORWConfig, params_file)
print(f"profile: {profile}")
cfg.data

# %%
images, labels = load_digits(cfg.data.source, cfg.data.mnist_dir)
split = split_train_test(images, labels, cfg.data.test_fraction, cfg.data.seed)
save_split(split, ARTIFACTS / "data" / "digits.safetensors")
snapshot(cfg.data, ARTIFACTS / "data" / "config.json")
{name: tuple(tensor.shape) for name, tensor in split.items()}

# %% [markdown]
# The classes are close to balanced, so the base model's reward (share of even digits) starts near 0.5:

# %%
import torch

torch.bincount(split["train_labels"], minlength=10).tolist()
