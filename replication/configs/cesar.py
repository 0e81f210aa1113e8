"""CESAR (process rewards for audio reasoning): the typed mirror of ``params.yaml``'s ``cesar`` section."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from replication.pipeline.params import SectionConfig, StrictConfig

RUNS = Path("runs/cesar")
ARTIFACTS = Path("artifacts/cesar")

# Which reward components each GRPO variant switches on (weights come from ``grpo.weights``). The ablations
# remove process rewards from full CESAR, as in the paper's ablation (consistency, then keywords as well).
METHODS: dict[str, tuple[str, ...]] = {
    "outcome": ("accuracy", "format"),  # outcome-only GRPO, the Ke-Omni-R stand-in
    "cesar": ("accuracy", "format", "consistency", "keywords", "overthinking"),
    "cesar_no_overthinking": ("accuracy", "format", "consistency", "keywords"),
    "cesar_no_consistency": ("accuracy", "format", "keywords", "overthinking"),
    "cesar_no_consistency_keywords": ("accuracy", "format", "overthinking"),
}
Method = Literal["outcome", "cesar", "cesar_no_overthinking", "cesar_no_consistency", "cesar_no_consistency_keywords"]


class TracesConfig(StrictConfig):
    """How the SFT traces are drawn (``replication.data.audio_qa.traces.TraceModel``, same fields)."""

    terse: float = Field(ge=0.0, le=1.0)
    """Share of first rounds with no opener and no derivation: the short traces."""
    more_base: float = Field(ge=0.0, le=1.0)
    more_per_event: float = Field(ge=0.0, le=1.0)
    """P(another round) = min(more_cap, more_base + more_per_event * events) * more_decay^(rounds - 1)."""
    more_cap: float = Field(ge=0.0, le=1.0)
    more_decay: float = Field(ge=0.0, le=1.0)
    drift: list[float] = Field(min_length=1)
    """P(a grounded round r describes a heard event with an invented quality), one per round; its length is the
    largest number of rounds."""
    recheck: float = Field(ge=0.0, le=1.0)
    """P(another round) after a drifted round."""
    recover: float = Field(ge=0.0, le=1.0)
    """P(that round lists only what is in the clip again)."""
    compound: float = Field(ge=0.0, le=1.0)
    """P(a round after a drifted one, not recovered, adds imagined events that change the conclusion)..."""
    compound_min_events: int = Field(ge=1)
    """...in clips of at least this many events only (a crowded clip leaves more to fill in)."""

    @model_validator(mode="after")
    def _probabilities(self):
        if any(not 0.0 <= p <= 1.0 for p in self.drift):
            raise ValueError(f"corpus.traces.drift holds probabilities in [0, 1], got {self.drift}")
        return self


class CorpusConfig(StrictConfig):
    source: Literal["synthetic", "real"]
    """synthetic: generated here (replication.data.audio_qa); real: AVQA training data + MMAU test-mini (paper)."""
    train_items: int = Field(ge=3)
    """Training questions (the AVQA stand-in); SFT and GRPO both draw from them."""
    test_items: int = Field(ge=3)
    """test-mini questions, balanced over task and difficulty like MMAU's (1,000 in the real one)."""
    train_seed: int = Field(ge=0)
    test_seed: int = Field(ge=0)
    """A different generator seed from ``train_seed``: the two splits share no item."""
    traces_per_item: int = Field(ge=1)
    """Reasoning traces drawn per training item (SFT sees each as one row)."""
    traces: TracesConfig
    avqa_path: str
    avqa_audio_dir: str
    mmau_path: str
    mmau_audio_dir: str


class ModelConfig(StrictConfig):
    source: Literal["scratch", "hub"]
    """scratch: a randomly initialised toy Thinker and a tokenizer trained on the corpus; hub: ``hub_id``."""
    hub_id: str
    vocab_size: int = Field(ge=300)
    """Byte-level BPE vocabulary (256 byte symbols + merges) trained on the training corpus's text."""
    max_audio_seconds: int = Field(ge=1)
    """Whisper features are padded/truncated to this length (the real processor uses 30 s)."""
    hidden_size: int = Field(ge=8)
    num_layers: int = Field(ge=1)
    num_heads: int = Field(ge=1)
    num_kv_heads: int = Field(ge=1)
    intermediate_size: int = Field(ge=8)
    audio_d_model: int = Field(ge=8)
    audio_layers: int = Field(ge=1)
    audio_heads: int = Field(ge=1)
    seed: int = Field(ge=0)


class SFTConfig(StrictConfig):
    steps: int = Field(ge=0)
    """Warm-up steps on the templated traces; 0 keeps the loaded model as it is (the paper starts from the
    instruction-tuned Qwen2.5-Omni-7B, which needs no warm-up)."""
    batch_size: int = Field(ge=1)
    lr: float = Field(gt=0.0)
    no_think_share: float = Field(ge=0.0, le=1.0)
    """Share of the warm-up targets with an empty thinking, so that L = 0 (no reasoning) is a mode the model knows."""
    cut_share: float = Field(ge=0.0, le=1.0)
    """Share of targets whose thinking is cut at a random token, then closed by force and answered: the shape
    budget forcing produces at every L. The forced ``</think><answer>`` is context, not a target."""
    max_length: int = Field(ge=16)
    """Prompt (audio tokens included) plus completion, in tokens."""
    seed: int = Field(ge=0)


class RewardWeights(StrictConfig):
    """a1..a5 of R = a1 R_acc + a2 R_format + a3 R_consistency + a4 R_keywords + a5 R_overthinking."""

    accuracy: float = Field(ge=0.0)
    format: float = Field(ge=0.0)
    consistency: float = Field(ge=0.0)
    keywords: float = Field(ge=0.0)
    overthinking: float = Field(ge=0.0)


class GRPOConfig(StrictConfig):
    steps: int = Field(ge=1)
    prompts_per_step: int = Field(ge=1)
    num_generations: int = Field(ge=2)
    """K completions per prompt, whose rewards are normalised within the group (K = 8 in the paper)."""
    max_completion_length: int = Field(ge=4)
    temperature: float = Field(gt=0.0)
    lr: float = Field(gt=0.0)
    beta: float = Field(ge=0.0)
    """KL coefficient, fixed (Ke-Omni-R: 0.01; CESAR does not publish its value)."""
    L_max: int = Field(ge=1)
    """R_overthinking = 1 - |t| / L_max; 256 tokens in the paper, scaled to the toy model's trace lengths."""
    weights: RewardWeights
    instruction: str
    """Output-format instruction appended to every question (Ke-Omni-R's wording)."""
    difficulties: list[Literal["easy", "medium", "hard"]]
    """The training items GRPO samples prompts from, by difficulty; empty: all of them (AVQA has no labels). The
    tiny testbed's RL prompts are easy and medium clips, where drift never changes an answer (docs/cesar.md)."""

    @model_validator(mode="after")
    def _distinct_difficulties(self):
        if len(set(self.difficulties)) != len(self.difficulties):
            raise ValueError(f"grpo.difficulties must be distinct, got {self.difficulties}")
        return self


class SweepConfig(StrictConfig):
    methods: list[Method] = Field(min_length=1)
    """The GRPO variants a claim compares (outcome-only, CESAR); each (method, seed) is one DVC stage."""
    seeds: list[int] = Field(min_length=1)
    ablations: list[Method] = Field(min_length=1)
    """The other variants (CESAR without the overthinking penalty, the two ablations), on ``ablation_seeds``."""
    ablation_seeds: list[int] = Field(min_length=1)

    def runs(self) -> list[tuple[str, int]]:
        """Every (method, seed) trained, in dvc.yaml's order."""
        return [(m, s) for m in self.methods for s in self.seeds] + [(m, s) for m in self.ablations
                                                                     for s in self.ablation_seeds]


class ScalingConfig(StrictConfig):
    budgets: list[int]
    """Thinking caps L (tokens), 0 included (the no-reasoning mode); the paper: 0, 25, ..., 250. Empty: L = 0 and
    the ``quantiles`` of the SFT traces' token lengths (written by the SFT stage)."""
    quantiles: list[float]
    """Quantiles of the SFT traces' thinking lengths that become the budgets when ``budgets`` is empty."""
    temperature: float = Field(ge=0.0)
    """Sampling temperature of the thinking (0: greedy); the forced answer is always greedy."""
    answer_tokens: int = Field(ge=1)
    """Tokens the forced answer may take after ``</think><answer>``."""
    max_items: int = Field(ge=1)
    """Test-mini items scored at every budget (the first ones; the split is shuffled when written)."""
    batch_size: int = Field(ge=1)

    @model_validator(mode="after")
    def _budgets_or_quantiles(self):
        if bool(self.budgets) == bool(self.quantiles):
            raise ValueError("give exactly one of scaling.budgets (explicit, with 0) and scaling.quantiles")
        if self.budgets and (0 not in self.budgets or sorted(set(self.budgets)) != self.budgets or min(self.budgets) < 0):
            raise ValueError(f"scaling.budgets must be ascending, distinct, >= 0 and hold 0, got {self.budgets}")
        if any(not 0.0 < q <= 1.0 for q in self.quantiles) or sorted(set(self.quantiles)) != self.quantiles:
            raise ValueError(f"scaling.quantiles must be ascending and distinct in (0, 1], got {self.quantiles}")
        return self


class GatesConfig(StrictConfig):
    """Preconditions checked before methods are compared (the report states each gate's value)."""

    no_think_min: float = Field(ge=0.0, le=100.0)
    """SFT accuracy (%) with no thinking (L = 0) at least this: perception well above chance (25 %)."""
    enforce: bool
    """True: GRPO refuses to start when an SFT gate fails, and the report marks the verdicts as no evidence
    when any gate fails.
    False (smoke profile, toy sizes that cannot pass): gates are computed and reported only."""


class CesarConfig(SectionConfig):
    SECTION = "cesar"

    corpus: CorpusConfig
    model: ModelConfig
    sft: SFTConfig
    grpo: GRPOConfig
    sweep: SweepConfig
    scaling: ScalingConfig
    gates: GatesConfig


def grpo_run_dir(method: str, seed: int) -> Path:
    """dvc.yaml spells the same path: runs/cesar/grpo/${item.method}-seed${item.seed}."""
    return RUNS / "grpo" / f"{method}-seed{seed}"


def scaling_run_dir(run: str) -> Path:
    """Test-time scaling results of one model: ``sft`` or ``<method>-seed<seed>``."""
    return RUNS / "scaling" / run
