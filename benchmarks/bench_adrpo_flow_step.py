"""Time one ADRPO training step against one ORW-CFM-W2 step at the same batch, in one run.

A step is what ``replication.flow.online.online_finetune`` does per iteration: policy forward, reference forward
(no grad), the objective, backward, gradient clipping, Adam. Both methods get the same model (the tiny profile's
generator, read from conf/), batch, noise and the pool's advantages (ORW-CFM-W2 ignores them); repeats are
interleaved (ADRPO, ORW, ADRPO, ...) so that drifts in machine load hit both alike, and the median of each is
reported with their ratio (target: ADRPO / ORW <= 1.02). Reports CPU time per step as well as wall time, since the
machine is shared.

    .venv/bin/python benchmarks/bench_adrpo_flow_step.py [--repeats 30] [--batch-groups 4] [--samples-per-prompt 8] [--threads 1]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time

import torch

from replication.data.shapes import all_scenes, prompts_of, vocabulary
from replication.flow.adrpo_losses import group_advantages
from replication.flow.adrpo_objectives import ADRPOObjective, ORWW2Objective
from replication.flow.pretrain import interpolate
from replication.models.text_flow import PromptConditionedFlow
from replication.pipeline.profiles import composed_params
from replication.pipeline.seeding import seed_everything


def make_step(policy, reference, objective, batch, lr=1e-3):
    optimizer = torch.optim.Adam(policy.parameters(), lr=lr)
    x1, condition, rewards, groups, noise, sigma = batch
    advantages = group_advantages(rewards, groups)  # as the pool computes them, once

    def step() -> None:
        x_sigma, u_t = interpolate(x1, noise, sigma)
        v_theta = policy(x_sigma, sigma, condition)
        with torch.no_grad():
            v_ref = reference(x_sigma, sigma, condition)
        loss = objective(v_theta, u_t, v_ref, rewards, groups, advantages=advantages)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
        optimizer.step()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--batch-groups", type=int, default=4)
    parser.add_argument("--samples-per-prompt", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (the pipeline stages use 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    generator = seed_everything(0)
    section = composed_params("tiny")["adrpo_flow"]  # the tiny profile's generator and image size
    size = section["data"]["image_size"]
    base = PromptConditionedFlow(words=vocabulary(), prompts=prompts_of(all_scenes()), sample_size=size,
                                 **section["base"]["model"])
    reference = copy.deepcopy(base).requires_grad_(False).eval()
    policies = {"adrpo": copy.deepcopy(base), "orw": copy.deepcopy(base)}
    for policy in policies.values():
        policy.text_encoder.requires_grad_(False)
    k, n = args.samples_per_prompt, args.batch_groups * args.samples_per_prompt
    condition = torch.arange(args.batch_groups).repeat_interleave(k)  # (B,) whole prompt groups
    shape = (n, 3, size, size)
    batch = (torch.rand(shape, generator=generator) * 2 - 1, condition, torch.rand(n, generator=generator),
             condition, torch.randn(shape, generator=generator), torch.rand(n, generator=generator))
    steps = {
        "adrpo": make_step(policies["adrpo"], reference, ADRPOObjective(beta0=0.2), batch),
        "orw": make_step(policies["orw"], reference, ORWW2Objective(alpha=0.2, tau=3.0), batch),
    }
    wall: dict[str, list[float]] = {name: [] for name in steps}
    cpu: dict[str, list[float]] = {name: [] for name in steps}
    for i in range(args.warmup + args.repeats):
        for name, step in (steps.items() if i % 2 == 0 else reversed(list(steps.items()))):
            start, start_cpu = time.perf_counter(), time.process_time()
            step()
            if i >= args.warmup:
                wall[name].append(time.perf_counter() - start)
                cpu[name].append(time.process_time() - start_cpu)
    print(f"batch {n} ({args.batch_groups} prompts x {k} samples, {size} x {size}), {args.repeats} interleaved "
          f"repeats, torch threads {torch.get_num_threads()}")
    for label, times in (("wall", wall), ("CPU", cpu)):
        median = {name: statistics.median(t) for name, t in times.items()}
        print(f"{label:>4}: ADRPO {1000 * median['adrpo']:.1f} ms, ORW-CFM-W2 {1000 * median['orw']:.1f} ms per step; "
              f"ratio {median['adrpo'] / median['orw']:.3f} (target <= 1.02)")


if __name__ == "__main__":
    main()
