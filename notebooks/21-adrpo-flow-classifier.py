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
# # 21 · ADRPO (flow) · The reward model: prompt-image agreement
#
# A small CNN reads an image back into its labels: the layout, and per slot the colour and the shape (slots
# are read from image halves by one shared object encoder). The reward of an image $x$ for a prompt $c$ is
# the per-attribute geometric mean of the probability that the image shows everything the prompt asks for,
# the heads taken as independent:
#
# $$ R(x, c) = \Big[ P(\text{layout}_c \mid x) \prod_{s \in \{0, 1\}} P(\text{colour}_{c,s} \mid x)\, P(\text{shape}_{c,s} \mid x) \Big]^{1/5} \in [0, 1]. $$
#
# (The fifth root keeps the joint probability's ordering but gives partly right images partial credit, so that
# samples of one prompt differ in reward by more than rounding.)
#
# It stands in for the CLIPScore reward of the paper (the paper profile uses CLIPScore). Its object features
# are also the embedding the diversity metric measures distances in. The accuracy on held-out scenes below
# says how far the reward can be trusted on compositions it never saw.

# %% tags=["parameters"]
params_file = "params.yaml"

# %%
import torch

from replication import configs
from replication.configs.adrpo_flow import ADRPOFlowConfig, ARTIFACTS
from replication.data import shapes
from replication.models.shapes_classifier import ShapesClassifier, ShapesClassifierConfig, accuracy, train_classifier
from replication.pipeline.params import snapshot
from replication.pipeline.runlog import MetricsLog, write_metrics
from replication.pipeline.seeding import seed_everything

profile, cfg = configs.load(ADRPOFlowConfig, params_file)
# one intra-op thread: on the shared 2-core machine two threads per process oversubscribe the cores, which
# measured 10-60x slower per step for these small models (a no-op for GPU work, which is on the device)
generator = seed_everything(cfg.classifier.seed)
tensors, split = shapes.load_split(ARTIFACTS / "data")
train, test = shapes.dataset(tensors, split, "train"), shapes.dataset(tensors, split, "test")
cfg.classifier

# %%
classifier = ShapesClassifier(ShapesClassifierConfig(
    image_size=cfg.data.image_size, channels=cfg.classifier.channels, feature_dim=cfg.classifier.feature_dim))
history = train_classifier(classifier, train, epochs=cfg.classifier.epochs, batch_size=cfg.classifier.batch_size,
                           lr=cfg.classifier.lr, generator=generator)
with MetricsLog(ARTIFACTS / "classifier_log.csv") as log:
    for epoch, loss in enumerate(history, start=1):
        log.log(epoch=epoch, loss=loss)
classifier.save(ARTIFACTS / "classifier")
snapshot(cfg.classifier, ARTIFACTS / "classifier" / "run_config.json")

# %%
held_out = accuracy(classifier, test)
write_metrics("metrics/adrpo_flow/classifier.json", {f"held_out_{k}": v for k, v in held_out.items()})
held_out

# %% [markdown]
# The reward of real held-out images for their own captions (an upper reference for generated ones):

# %%
from replication.rewards.image import ShapesAgreementReward

reward = ShapesAgreementReward(classifier)
real_reward = torch.tensor(reward(torch.from_numpy(test.images), prompts=test.captions))
write_metrics("metrics/adrpo_flow/real_reward.json", {"held_out_real_reward": real_reward.mean().item()})
print(f"mean reward of real held-out images: {real_reward.mean():.3f}")
