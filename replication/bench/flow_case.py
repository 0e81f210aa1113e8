"""SD3 with a LoRA, trained by ADRPO-FM and by ORW-CFM-W2: the training step of ``replication.flow.online``.

The model is the paper profile's (``replication.models.sd3_paper``): SD3's transformer with a LoRA on the
attention projections of its joint blocks, behind ``SD3LoRAFlow``; the reference is ``AdapterDisabled`` (the same
weights with the adapter switched off). What the check does not have, it stands in for, with the same shapes:

- the text encoders (CLIP-L, CLIP-G, T5-XXL): ``RandomTextEncoders`` returns random prompt embeddings of SD3's
  shapes; the real loop encodes its prompts once before training, so no training step runs them either;
- the pool of policy samples and their CLIPScore rewards: random latents and uniform rewards.

A step is the loop's inner step, term by term: noise the samples (``interpolate``), policy forward, reference
forward without gradients, the loss (``adrpo_fm_loss`` with ``group_advantages``, or ``orw_cfm_w2_loss``),
backward, gradient clipping, Adam. Sampling the next pool (an Euler solve every ``refresh_every`` steps) is not
part of the step and not measured here.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from peft import LoraConfig

from replication.bench.env import CheckEnv
from replication.bench.measure import (
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
from replication.bench.paper_models import FlowSpec, build_on, parameter_count, sd3_transformer
from replication.flow.adrpo_losses import adrpo_fm_loss, group_advantages
from replication.flow.losses import orw_cfm_w2_loss
from replication.flow.pretrain import interpolate
from replication.models.sd3_paper import DEFAULT_LORA_TARGETS, AdapterDisabled, SD3LoRAFlow
from replication.pipeline.runtime import autocast
from replication.pipeline.seeding import seed_everything

METHODS = ("adrpo", "orw")


@dataclass(frozen=True)
class FlowPlan:
    spec: FlowSpec
    lora_rank: int  # conf: adrpo_flow.paper_models.lora_rank
    prompts: int  # prompt groups per batch (adrpo_flow.finetune.groups_per_batch)
    samples_per_prompt: int  # K (adrpo_flow.finetune.samples_per_prompt)
    lr: float
    grad_clip: float
    beta0: float  # ADRPO's beta0
    alpha: float  # ORW-CFM-W2's W2 weight
    tau: float  # ORW-CFM-W2's reward temperature
    warmup_steps: int
    timed_steps: int

    @property
    def batch(self) -> int:
        return self.prompts * self.samples_per_prompt


class RandomTextEncoders:
    """Stands in for ``StableDiffusion3Pipeline`` where ``SD3LoRAFlow`` reads it: the transformer and
    ``encode_prompt``, here random embeddings of SD3's shapes ((P, T, joint dim) and (P, pooled dim)) drawn from
    ``generator`` instead of the three text encoders' output."""

    def __init__(self, transformer, text_tokens: int, generator: torch.Generator):
        self.transformer, self.text_tokens, self.generator = transformer, text_tokens, generator

    def encode_prompt(self, prompt, prompt_2=None, prompt_3=None, do_classifier_free_guidance=False,
                      max_sequence_length=256, **unused):
        config = self.transformer.config
        device = next(self.transformer.parameters()).device
        embeds = torch.randn((len(prompt), self.text_tokens, config.joint_attention_dim), generator=self.generator)
        pooled = torch.randn((len(prompt), config.pooled_projection_dim), generator=self.generator)
        return embeds.to(device), None, pooled.to(device), None


def lora_sd3(spec: FlowSpec, rank: int, env: CheckEnv):
    """SD3's transformer at ``spec``, frozen, with the trainable LoRA ``load_sd3_with_lora`` adds."""

    def build():
        transformer = sd3_transformer(spec).requires_grad_(False)
        transformer.add_adapter(LoraConfig(r=rank, lora_alpha=rank, init_lora_weights="gaussian",
                                           target_modules=list(DEFAULT_LORA_TARGETS)))
        return transformer

    return build_on(env.device, env.seed, build)


def adrpo_objective(beta0: float):
    def objective(v_theta, u_t, v_ref, rewards, groups):
        return adrpo_fm_loss(v_theta, u_t, v_ref, group_advantages(rewards, groups), beta0)
    return objective


def orw_objective(alpha: float, tau: float):
    def objective(v_theta, u_t, v_ref, rewards, groups):
        return orw_cfm_w2_loss(v_theta, u_t, v_ref, rewards, alpha, tau)
    return objective


def flow_run(policy: SD3LoRAFlow, objective, plan: FlowPlan, env: CheckEnv, strict: bool = True) -> RunRecord:
    """One run from the LoRA's initial weights: warm-up, timed and FLOP-counted steps under a fixed seed."""
    device = env.device
    generator = seed_everything(env.seed, deterministic=False)  # deterministic kernels: deterministic_algorithms()
    reference = AdapterDisabled(policy)
    trainable = [p for p in policy.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(trainable, lr=plan.lr)
    groups = torch.arange(plan.prompts).repeat_interleave(plan.samples_per_prompt).to(device)  # (B,) prompt ids
    meter = StepMeter(step_kinds(plan.warmup_steps, plan.timed_steps), device, env.deadline)
    losses = []
    reset_peak_memory(device)
    with deterministic_algorithms(strict) as ops:
        try:
            for _ in meter.kinds:
                shape = (plan.batch, *plan.spec.latent_shape)
                x1 = torch.randn(shape, generator=generator).to(device)  # (B, C, H, W) stand-in pool samples
                noise = torch.randn(shape, generator=generator).to(device)
                sigma = torch.rand(plan.batch, generator=generator).to(device)  # (B,) as online_finetune draws it
                rewards = torch.rand(plan.batch, generator=generator).to(device)  # (B,) stand-in rewards
                meter.begin()
                x_sigma, u_t = interpolate(x1, noise, sigma)
                with autocast(env.runtime):
                    v_theta = policy(x_sigma, sigma, groups)
                    with torch.no_grad():
                        v_ref = reference(x_sigma, sigma, groups)
                loss = objective(v_theta.float(), u_t, v_ref.float(), rewards, groups)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                grad_norm = torch.nn.utils.clip_grad_norm_(trainable, plan.grad_clip)
                optimizer.step()
                losses.append({"loss": loss.item(), "grad_norm": grad_norm.item()})
                if meter.end(work=plan.batch):
                    break
        finally:
            meter.close()
    return RunRecord(meter.kinds, meter.seconds, meter.work, meter.flops, losses, fingerprint(trainable),
                     peak_memory(device), sorted(ops))


def flow_rows(plan: FlowPlan, env: CheckEnv) -> list[Row]:
    """ADRPO-FM and ORW-CFM-W2 on one LoRA-adapted SD3, two runs each from the same initial adapter."""
    transformer = lora_sd3(plan.spec, plan.lora_rank, env)
    stand_in = RandomTextEncoders(transformer, plan.spec.text_tokens, torch.Generator().manual_seed(env.seed))
    policy = SD3LoRAFlow(stand_in, [f"prompt {i}" for i in range(plan.prompts)])
    initial = [p.detach().clone() for p in policy.parameters() if p.requires_grad]
    objectives = {"adrpo": adrpo_objective(plan.beta0), "orw": orw_objective(plan.alpha, plan.tau)}
    names = {"adrpo": f"ADRPO-FM (beta0 {plan.beta0})", "orw": f"ORW-CFM-W2 (alpha {plan.alpha}, tau {plan.tau})"}
    c, h, w = plan.spec.latent_shape
    rows = []
    for method in METHODS:

        def run_once(strict: bool, method=method) -> RunRecord:
            with torch.no_grad():  # every run starts from the same adapter
                for p, p0 in zip((p for p in policy.parameters() if p.requires_grad), initial):
                    p.copy_(p0)
            return flow_run(policy, objectives[method], plan, env, strict)

        runs, note = measured_runs(run_once, env.deadline, lambda: release(env.device))
        row = Row(case=f"SD3 + LoRA r{plan.lora_rank}: {names[method]}", model=plan.spec.name,
                  batch=f"{plan.prompts} prompts x {plan.samples_per_prompt} latents {c}x{h}x{w}, "
                        f"{plan.spec.text_tokens} text tokens",
                  params=parameter_count(transformer), trainable=parameter_count(transformer, trainable_only=True))
        rows.append(summarize(row, runs, "images/s", env.peak_flops, note))
    return rows
