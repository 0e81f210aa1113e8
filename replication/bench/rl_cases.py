"""The RL trainers at paper scale: ADRPO and GRPO on Qwen2-0.5B / Qwen3-0.6B, AudioGRPO on an Omni Thinker.

Each model is built once with random weights at its published size and saved (bf16 safetensors) where the
project's trainers load checkpoints from; then each trainer runs twice from that checkpoint with the same seed,
built exactly as the experiments build it:

- LLMs: ``replication.rl.runs.rl_config`` + ``build_rl_trainer`` (``ADRPOTrainer`` or TRL's ``GRPOTrainer``),
  the character tokenizer of ``replication.models.tiny_lm``, random prompts of a fixed length and a stand-in
  reward on the sampled token ids (a random model writes nothing a task reward could score);
- CESAR: ``replication.rl.audio_grpo.AudioGRPOTrainer`` with ``cesar_setup.grpo_args`` and the CESAR reward set
  (``method_rewards("cesar", ...)``), a processor built locally (``replication.models.omni.build_processor``:
  Whisper features padded to 30 s as in the real checkpoint) and random audio written as 16 kHz wav files.

A step is TRL's optimisation step: rollout (generation, rewards, reference log-probs) and update.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile
import torch
from datasets import Dataset

from replication.bench.env import CheckEnv
from replication.bench.measure import (
    MeterCallback,
    RunRecord,
    Row,
    StepMeter,
    deterministic_algorithms,
    fingerprint,
    measured_runs,
    peak_memory,
    release,
    reset_peak_memory,
    step_kinds,
    summarize,
)
from replication.bench.paper_models import LMSpec, OmniSpec, build_on, causal_lm, choose_omni, parameter_count, thinker
from replication.configs.cesar import GRPOConfig as CesarGRPOConfig
from replication.models.omni import SAMPLE_RATE, build_processor, save_omni
from replication.models.tiny_lm import CHARACTERS, build_char_tokenizer, save_lm
from replication.pipeline.seeding import seed_everything
from replication.rl.audio_grpo import AudioGRPOTrainer, audio_prompt
from replication.rl.cesar_setup import grpo_args, method_rewards
from replication.rl.hf_trainer import quiet
from replication.rl.runs import build_rl_trainer, rl_config

LM_METHODS = ("adrpo", "grpo")
# Keys of TRL's per-step log that depend on the clock, not on the computation.
_CLOCK_WORDS = ("time", "runtime", "per_second")


class EvenTokenShare:
    """Stand-in reward on the sampled token ids (TRL's contract): the share of even ids in each completion.

    It differs between the completions of a prompt, so group advantages (and ADRPO's coefficients beta0 - A)
    are not all zero, and costs nothing, so the step time is the trainer's.

    >>> EvenTokenShare()(["", ""], completion_ids=[[2, 3, 4, 6], [1]])
    [0.75, 0.0]
    """

    __name__ = "even_token_share"  # TRL names the reward's metrics after __name__

    def __call__(self, completions: list, completion_ids: list[list[int]], **kwargs) -> list[float]:
        return [sum(1 for token in ids if token % 2 == 0) / max(1, len(ids)) for ids in completion_ids]


def step_metrics(log_history: list[dict]) -> list[dict[str, float]]:
    """The trainer's per-step numbers (loss, reward, KL, grad norm, ...), without the clock-dependent ones."""
    steps = [entry for entry in log_history if "loss" in entry and "train_runtime" not in entry]
    return [{k: v for k, v in entry.items() if not any(word in k for word in _CLOCK_WORDS)} for entry in steps]


def _paper(batch: str) -> str:
    return f" (paper profile: {batch})" if batch else ""


def trainer_run(make_trainer, kinds: list[str], env: CheckEnv, strict: bool = True) -> RunRecord:
    """Build a trainer with a ``MeterCallback`` (``make_trainer(callback)``), train it for ``len(kinds)`` steps."""
    seed_everything(env.seed, deterministic=False)  # deterministic kernels: deterministic_algorithms() below
    meter = StepMeter(kinds, env.device, env.deadline)
    reset_peak_memory(env.device)
    with deterministic_algorithms(strict) as ops:
        trainer = make_trainer(MeterCallback(meter))
        try:
            trainer.train()
        finally:
            meter.close()
    record = RunRecord(kinds, meter.seconds, meter.work, meter.flops, step_metrics(trainer.state.log_history),
                       fingerprint(trainer.model.parameters()), peak_memory(env.device), sorted(ops))
    del trainer
    release(env.device)
    return record


# ---- ADRPO / GRPO on the Qwen LLMs -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LMPlan:
    specs: tuple[LMSpec, ...]
    prompts_per_step: int
    num_generations: int
    prompt_tokens: int
    max_completion_length: int
    lr: float
    beta: float  # GRPO's fixed beta and ADRPO's beta0
    beta_min: float | None  # ADRPO's clamp bounds (adrpo_llm.rl.adrpo_beta_min / _max)
    beta_max: float | None
    loss_type: str
    warmup_steps: int
    timed_steps: int
    paper_batch: str = ""  # the paper profile's batch, where the check's is smaller


def random_prompts(count: int, length: int, seed: int) -> Dataset:
    """``count`` prompts of ``length`` characters (one token each with the character tokenizer)."""
    rng = np.random.default_rng(seed)
    letters = np.array(list(CHARACTERS))
    return Dataset.from_list([{"prompt": "".join(rng.choice(letters, size=length))} for _ in range(count)])


def lm_rows(plan: LMPlan, env: CheckEnv) -> list[Row]:
    tokenizer = build_char_tokenizer()
    kinds = step_kinds(plan.warmup_steps, plan.timed_steps)
    dataset = random_prompts(len(kinds) * plan.prompts_per_step, plan.prompt_tokens, env.seed)
    rows = []
    for spec in plan.specs:
        model = build_on(env.device, env.seed, lambda: causal_lm(spec, tokenizer))
        n_params = parameter_count(model)
        checkpoint = save_lm(model.to(torch.bfloat16), tokenizer, env.workdir / spec.architecture)
        del model
        release(env.device)
        for method in LM_METHODS:
            bounds = {"beta_min": plan.beta_min, "beta_max": plan.beta_max} if method == "adrpo" else {}
            config = rl_config(method, env.workdir / f"{spec.architecture}-{method}", plan.beta, len(kinds),
                               plan.prompts_per_step, plan.num_generations, plan.max_completion_length, plan.lr,
                               env.seed, plan.loss_type, runtime=env.runtime, **bounds)
            runs, note = measured_runs(lambda strict: trainer_run(
                lambda callback: build_rl_trainer(checkpoint, tokenizer, config, dataset, EvenTokenShare(), [callback]),
                kinds, env, strict), env.deadline, lambda: release(env.device))
            name = "ADRPOTrainer" if method == "adrpo" else "GRPOTrainer"
            coefficient = f"beta0 {plan.beta}, beta_min {plan.beta_min}" if method == "adrpo" else f"beta {plan.beta}"
            row = Row(case=f"{spec.name}: {name} ({coefficient})", model=spec.name,
                      batch=f"{plan.prompts_per_step} prompts x {plan.num_generations} completions, "
                            f"{plan.prompt_tokens} + {plan.max_completion_length} tokens" + _paper(plan.paper_batch),
                      params=n_params, trainable=n_params)
            rows.append(summarize(row, runs, "tokens/s", env.peak_flops, note))
        shutil.rmtree(checkpoint, ignore_errors=True)
    return rows


# ---- AudioGRPO on Qwen2.5-Omni's Thinker -----------------------------------------------------------------------


@dataclass(frozen=True)
class OmniPlan:
    spec: OmniSpec | None  # None: the 7B Thinker if its full fine-tuning fits the GPU, else the 3B (choose_omni)
    grpo: CesarGRPOConfig  # the paper profile's cesar.grpo with the check's batch and lengths
    audio_seconds: float  # of each random clip (AVQA's clips last 10 s)
    max_audio_seconds: int  # the feature extractor's padding (the real checkpoint's: 30 s)
    tokenizer_vocab: int  # of the locally trained BPE; the model keeps its published vocabulary
    warmup_steps: int
    timed_steps: int
    paper_batch: str = ""


QUESTION = "What is making the sound in this recording?"
CHOICES = ["a dog barking", "a car engine", "rain on a roof", "a violin"]


def audio_rows_dataset(count: int, seconds: float, instruction: str, folder: Path, seed: int) -> Dataset:
    """``count`` MMAU-style questions, each with its own clip of Gaussian noise saved as a 16 kHz wav."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(count):
        path = folder / f"clip{i}.wav"
        soundfile.write(path, (0.1 * rng.standard_normal(int(seconds * SAMPLE_RATE))).astype(np.float32), SAMPLE_RATE)
        rows.append({"prompt": audio_prompt(QUESTION, CHOICES, instruction), "audio": str(path),
                     "answer": CHOICES[i % len(CHOICES)], "choices": CHOICES, "question": QUESTION})
    return Dataset.from_list(rows)


def omni_rows(plan: OmniPlan, env: CheckEnv) -> tuple[list[Row], list[str]]:
    """The AudioGRPO row and the memory arithmetic behind the choice of Thinker."""
    grpo = plan.grpo
    instruction_text = audio_prompt(QUESTION, CHOICES, grpo.instruction)[0]["content"][1]["text"]
    processor = build_processor([instruction_text, "user", "assistant", "system"], plan.tokenizer_vocab,
                                plan.max_audio_seconds)
    if plan.spec is None:
        spec, arithmetic = choose_omni(processor, torch.cuda.get_device_properties(env.device).total_memory)
    else:
        spec, arithmetic = plan.spec, []
    model = build_on(env.device, env.seed, lambda: thinker(spec, processor))
    n_params, n_vision = parameter_count(model), parameter_count(model.model.visual)
    checkpoint = env.workdir / "omni"
    save_omni(model.to(torch.bfloat16), processor, checkpoint)
    del model
    release(env.device)
    kinds = step_kinds(plan.warmup_steps, plan.timed_steps)
    grpo = grpo.model_copy(update={"steps": len(kinds)})
    dataset = audio_rows_dataset(len(kinds) * grpo.prompts_per_step, plan.audio_seconds, grpo.instruction,
                                 env.workdir / "audio", env.seed)
    funcs, weights = method_rewards("cesar", grpo, processor.tokenizer)
    args = grpo_args(grpo, env.seed, weights, env.workdir / "omni-trainer", env.runtime)

    def make_trainer(callback):
        return quiet(AudioGRPOTrainer(model=str(checkpoint), reward_funcs=funcs, args=args, train_dataset=dataset,
                                      processing_class=processor, callbacks=[callback]), desc="AudioGRPO")

    runs, note = measured_runs(lambda strict: trainer_run(make_trainer, kinds, env, strict), env.deadline,
                               lambda: release(env.device))
    shutil.rmtree(checkpoint, ignore_errors=True)
    row = Row(case=f"{spec.name}: AudioGRPOTrainer (CESAR rewards, beta {grpo.beta})", model=spec.name,
              batch=f"{grpo.prompts_per_step} prompts x {grpo.num_generations} completions, "
                    f"{plan.audio_seconds:g} s audio, up to {grpo.max_completion_length} new tokens"
                    + _paper(plan.paper_batch),
              params=n_params, trainable=n_params - n_vision)
    return [summarize(row, runs, "tokens/s", env.peak_flops, note)], arithmetic
