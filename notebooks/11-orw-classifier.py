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
# # 11 · ORW-CFM-W2 · The reward model
#
# The MNIST reward of ORW-CFM-W2 is a digit classifier $f$; a sample's reward is the probability it gives to
# the even classes:
#
# $$ r(x) = \sum_{k \in \{0,2,4,6,8\}} \mathrm{softmax}(f(x))_k \in [0, 1]. $$
#
# Its penultimate features also measure diversity later (mean pairwise distance). The held-out accuracy below
# says how far the reward can be trusted, and it is the first **gate**: below `gates.classifier_accuracy.min`
# the fine-tuning stages refuse to start (a reward that misjudges digits would make every result noise).

# %% tags=["parameters"]
params_file = "params.yaml"

# %%
from replication import configs
from replication.configs.orw import ARTIFACTS, METRICS, ORWConfig
from replication.configs.runtime import RuntimeConfig
from replication.data.digits import load_split
from replication.eval.gates import gate_metrics
from replication.models.digit_classifier import DigitClassifier, accuracy, train_digit_classifier
from replication.pipeline.params import snapshot
from replication.pipeline.runlog import MetricsLog, write_metrics
from replication.pipeline.runtime import resolve_device
from replication.pipeline.seeding import seed_everything

profile, cfg = configs.load(ORWConfig, params_file)
_, runtime = configs.load(RuntimeConfig, params_file)
generator = seed_everything(cfg.classifier.seed)
split = load_split(ARTIFACTS / "data" / "digits.safetensors")
cfg.classifier

# %%
classifier = DigitClassifier(channels=cfg.classifier.channels, feature_dim=cfg.classifier.feature_dim)
with MetricsLog(ARTIFACTS / "classifier_log.csv") as log:
    train_digit_classifier(
        classifier, split["train_images"], split["train_labels"],
        cfg.classifier.epochs, cfg.classifier.batch_size, cfg.classifier.lr, generator, log,
        device=resolve_device(runtime),
    )
classifier.save_pretrained(ARTIFACTS / "classifier")
snapshot(cfg.classifier, ARTIFACTS / "classifier" / "run_config.json")

# %%
held_out_accuracy = accuracy(classifier, split["test_images"], split["test_labels"])
window = cfg.gates.classifier_accuracy
gate = gate_metrics("classifier_accuracy", held_out_accuracy, window.min, window.max)
write_metrics(METRICS / "classifier.json", {"held_out_accuracy": held_out_accuracy, **gate})
print(f"held-out accuracy {held_out_accuracy:.3f} on {len(split['test_labels'])} digits: gate "
      f"[{window.min:g}, {window.max:g}) {'passed' if gate['classifier_accuracy_passed'] else 'FAILED'}")
