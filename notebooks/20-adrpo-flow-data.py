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
# # 20 · ADRPO (flow) · Captioned shapes
#
# The compositional image set the ADRPO experiment trains on, generated offline. Each 24 x 24 image holds two
# objects (4 colours x the profile's shapes) side by side or stacked; its caption names both and their
# relation, e.g. *a red cross left of a blue square*. A *scene* (layout, first object, second object) gets one
# caption per relation word the task uses. The tiny profile keeps the task within reach of a small base model
# (docs/adrpo-flow.md): the words *left of* and *above* only, so the first-named object is always the left or
# top one (with *right of* and *below* too, the base swapped the two objects half the time), and squares and
# crosses only (its triangles came out as blobs): 112 scenes. A share of the scenes is held out, so the
# held-out prompts are compositions no training image shows. Labels per image: the layout and the colour and
# shape in each slot (left/top, right/bottom), which the reward classifier learns.

# %% tags=["parameters"]
params_file = "params.yaml"

# %%
from replication import configs
from replication.configs.adrpo_flow import ADRPOFlowConfig, ARTIFACTS
from replication.data import shapes
from replication.pipeline.params import snapshot
from replication.pipeline.seeding import seed_everything

profile, cfg = configs.load(ADRPOFlowConfig, params_file)
seed_everything(cfg.data.seed)
relations = shapes.check_relations(tuple(cfg.data.relations))
train_scenes, heldout_scenes = shapes.split_scenes(cfg.data.heldout_fraction, cfg.data.seed, tuple(cfg.data.shapes))
train = shapes.make_dataset(train_scenes, cfg.data.n_train, cfg.data.image_size, cfg.data.seed, relations)
test = shapes.make_dataset(heldout_scenes, cfg.data.n_test, cfg.data.image_size, cfg.data.seed + 1, relations)
shapes.save_split(ARTIFACTS / "data", train, test, train_scenes, heldout_scenes, relations)
snapshot(cfg.data, ARTIFACTS / "data" / "run_config.json")
print(f"{len(train_scenes)} training scenes ({len(shapes.prompts_of(train_scenes, relations))} prompts), {len(heldout_scenes)} held out; "
      f"{len(train)} training images, {len(test)} held-out images")

# %% [markdown]
# A few training images with their captions:

# %%
from replication.plots.adrpo_flow_samples import image_grid_figure

image_grid_figure({caption: image for caption, image in zip(train.captions[:8], train.images[:8])});
