"""The paper-scale check: every trainer of the project at its paper's model size, for time, memory and determinism.

``scripts/paper_scale_check.py`` is its command line; ``docs/paper-scale.md`` says what it measures and why.
The plan is the paper profile (``conf/profile/paper.yaml`` composed with ``conf/``) with the check's own batch
and lengths where the paper's would not fit the eight-minute budget (each row names both); ``cpu_smoke_plan``
is the same code path at tiny sizes, run by the test suite so that the check cannot rot.

    plan = gpu_plan()                         # or cpu_smoke_plan()
    report = run_check(plan, env)             # env: CheckEnv(runtime, deadline, peak_flops, workdir)
    print(format_table(report))
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import statistics
import time
import traceback
from dataclasses import dataclass, replace
from pathlib import Path

import torch
from pydantic import BaseModel

from replication.bench.env import CheckEnv
from replication.bench.flow_case import FlowPlan, flow_rows
from replication.bench.measure import Row, release
from replication.bench.paper_models import (
    OMNI_TINY,
    QWEN2_0_5B,
    QWEN3_0_6B,
    SD3_MEDIUM_512,
    SD3_TINY,
    tiny_lm_spec,
)
from replication.bench.rl_cases import LMPlan, OmniPlan, lm_rows, omni_rows
from replication.configs.adrpo_flow import ADRPOFlowConfig, parse_run
from replication.configs.adrpo_llm import ADRPOLLMConfig
from replication.configs.cesar import CesarConfig
from replication.pipeline.params import validate_section
from replication.pipeline.profiles import composed_params

CASES = ("flow", "omni", "lm")  # run in this order: the cheap check of the pipeline first, then the largest model


@dataclass(frozen=True)
class CheckPlan:
    flow: FlowPlan
    omni: OmniPlan
    lm: LMPlan
    # Time (s) a case needs at least to build its model and finish its runs; it is not started with less left.
    reserve_s: dict[str, float]


def _sections(params: dict | None):
    if params is None:
        try:
            params = composed_params("paper")
        except ImportError as error:  # on a bare GPU machine: say what is missing before any GPU time is spent
            raise RuntimeError(f"composing the paper profile needs hydra-core ({error}); install it, e.g. as wheels "
                               "in .wheels/ (hydra-core, omegaconf, antlr4-python3-runtime)") from error
    return (validate_section(ADRPOFlowConfig, params["adrpo_flow"], "adrpo_flow"),
            validate_section(ADRPOLLMConfig, params["adrpo_llm"], "adrpo_llm"),
            validate_section(CesarConfig, params["cesar"], "cesar"))


def _with(config: BaseModel, **changes) -> BaseModel:
    """``config`` with some fields changed, validated again."""
    return type(config).model_validate({**config.model_dump(), **changes})


def _median_coefficient(runs: list[tuple[str, float]], method: str) -> float:
    """The middle of a method's swept coefficients (the check times one configuration per method)."""
    values = [value for name, value in runs if name == method]
    if not values:
        raise ValueError(f"adrpo_flow.sweep.runs has no {method} run to size the check with")
    return statistics.median(values)


def gpu_plan(params: dict | None = None) -> CheckPlan:
    """The paper profile's models and settings, with the batches and lengths that fit one H200 in 8 minutes."""
    flow_cfg, llm_cfg, cesar_cfg = _sections(params)
    finetune, paper_models = flow_cfg.finetune, flow_cfg.paper_models
    if paper_models.resolution != 512:
        raise ValueError(f"the check is sized for SD3 at 512 px; adrpo_flow.paper_models.resolution is "
                         f"{paper_models.resolution}")
    coefficients = [parse_run(run) for run in flow_cfg.sweep.runs]
    flow = FlowPlan(
        SD3_MEDIUM_512, lora_rank=paper_models.lora_rank, prompts=finetune.groups_per_batch,
        samples_per_prompt=finetune.samples_per_prompt, lr=finetune.lr, grad_clip=finetune.grad_clip,
        beta0=_median_coefficient(coefficients, "adrpo"), alpha=_median_coefficient(coefficients, "orw"),
        tau=finetune.tau,
        warmup_steps=1, timed_steps=3,
    )
    rl = llm_cfg.rl
    compared = llm_cfg.adrpo_variants[llm_cfg.sweep.adrpo_compared[0]]  # the ADRPO configuration the verdict tests
    lm = LMPlan(
        (QWEN2_0_5B, QWEN3_0_6B), prompts_per_step=4, num_generations=rl.num_generations, prompt_tokens=128,
        max_completion_length=128, lr=rl.lr, beta=compared.beta0, beta_min=compared.beta_min,
        beta_max=compared.beta_max, loss_type=rl.loss_type, warmup_steps=1, timed_steps=2,
        paper_batch=f"{rl.prompts_per_step} x {rl.num_generations}, {rl.max_completion_length} new",
    )
    grpo = cesar_cfg.grpo
    omni = OmniPlan(
        spec=None, grpo=_with(grpo, prompts_per_step=2, max_completion_length=128), audio_seconds=10.0,
        max_audio_seconds=30, tokenizer_vocab=1024, warmup_steps=1, timed_steps=2,
        paper_batch=f"{grpo.prompts_per_step} x {grpo.num_generations}, {grpo.max_completion_length} new",
    )
    # Planning estimates for an H200 (not measurements): model build + save + 2 runs per row.
    return CheckPlan(flow, omni, lm, reserve_s={"flow": 45.0, "omni": 150.0, "lm": 60.0})


def cpu_smoke_plan(params: dict | None = None) -> CheckPlan:
    """``gpu_plan``'s code path at tiny widths and batches: seconds on one CPU core."""
    plan = gpu_plan(params)
    flow = replace(plan.flow, spec=SD3_TINY, lora_rank=2, prompts=2, samples_per_prompt=2, timed_steps=1)
    lm = replace(plan.lm, specs=tuple(tiny_lm_spec(spec) for spec in plan.lm.specs), prompts_per_step=2,
                 num_generations=2, prompt_tokens=8, max_completion_length=4, timed_steps=1, paper_batch="")
    omni = replace(plan.omni, spec=OMNI_TINY, audio_seconds=1.0, max_audio_seconds=1, tokenizer_vocab=300,
                   grpo=_with(plan.omni.grpo, prompts_per_step=1, num_generations=2, max_completion_length=4),
                   timed_steps=1, paper_batch="")
    return CheckPlan(flow, omni, lm, reserve_s={"flow": 0.0, "omni": 0.0, "lm": 0.0})


def _units(plan: CheckPlan, cases: tuple[str, ...]):
    """(case, runner) pairs, one per model: each LLM architecture is its own unit under the deadline."""
    for case in CASES:
        if case not in cases:
            continue
        if case == "flow":
            yield case, lambda env: (flow_rows(plan.flow, env), [])
        elif case == "omni":
            yield case, lambda env: omni_rows(plan.omni, env)
        else:
            for spec in plan.lm.specs:
                yield case, lambda env, spec=spec: (lm_rows(replace(plan.lm, specs=(spec,)), env), [])


def run_check(plan: CheckPlan, env: CheckEnv, cases: tuple[str, ...] = CASES) -> dict:
    """Run the chosen cases in order; a case that fails becomes an error row and the next one still runs."""
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        raise ValueError(f"unknown cases {unknown}; allowed: {', '.join(CASES)}")
    started = time.monotonic()
    rows, arithmetic = [], []
    for case, runner in _units(plan, cases):
        left = env.deadline - time.monotonic()
        if left < plan.reserve_s[case]:
            rows.append(Row(case=case, model="", batch="", params=0, trainable=0,
                            status=f"skipped: {left:.0f} s left of the budget, the case needs about "
                                   f"{plan.reserve_s[case]:.0f} s"))
            continue
        try:
            new_rows, lines = runner(env)
            rows += new_rows
            arithmetic += lines
        except Exception as error:  # one failed case must not hide the others' measurements
            traceback.print_exc()
            rows.append(Row(case=case, model="", batch="", params=0, trainable=0,
                            status=f"error: {type(error).__name__}: {str(error).splitlines()[0][:200]}"))
            del error
        release(env.device)
    return {
        "check": "paper_scale",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "device": torch.cuda.get_device_name(env.device) if env.device.type == "cuda" else "cpu",
        "device_memory_gib": (torch.cuda.get_device_properties(env.device).total_memory / 2**30
                              if env.device.type == "cuda" else None),
        "versions": _versions(),
        "runtime": env.runtime.model_dump(),
        "peak_bf16_flops": env.peak_flops,
        "wall_s": time.monotonic() - started,
        "plan": _jsonable(plan),
        "memory_arithmetic": arithmetic,
        "rows": [dataclasses.asdict(row) for row in rows],
    }


def _versions() -> dict[str, str]:
    import diffusers
    import peft
    import transformers
    import trl

    return {"torch": torch.__version__, "cuda": str(torch.version.cuda), "transformers": transformers.__version__,
            "trl": trl.__version__, "diffusers": diffusers.__version__, "peft": peft.__version__}


def _jsonable(value):
    if dataclasses.is_dataclass(value):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def _count(n: int) -> str:
    return f"{n / 1e9:.2f}B" if n >= 1e9 else f"{n / 1e6:.1f}M" if n >= 1e6 else f"{n / 1e3:.1f}k"


def _number(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}"


TABLE_HEADER = ("| case | params (trained) | batch | s / step | peak GiB | throughput | TFLOP / step | MFU | "
                "same seed, same result | status |")


def format_table(report: dict) -> str:
    """The report's rows as one markdown table, followed by the notes of the rows that have any."""
    lines = [TABLE_HEADER, "|" + "---|" * TABLE_HEADER.count(" | ") + "---|"]
    notes = []
    for row in report["rows"]:
        params = f"{_count(row['params'])} ({_count(row['trainable'])})" if row["params"] else ""
        throughput = f"{row['throughput']:.0f} {row['throughput_unit']}" if row["throughput"] is not None else ""
        mfu = "" if row["mfu"] is None else f"{100 * row['mfu']:.1f}%"
        same = {True: "yes", False: "NO", None: ""}[row["deterministic"]]
        lines.append(f"| {row['case']} | {params} | {row['batch']} | {_number(row['seconds_per_step'])} | "
                     f"{_number(row['peak_memory_gib'], 1)} | {throughput} | {_number(row['tflop_per_step'], 1)} | "
                     f"{mfu} | {same} | {row['status']} |")
        if row["notes"]:
            notes.append(f"- {row['case']}: {row['notes']}")
    header = (f"device: {report['device']}, torch {report['versions']['torch']} (CUDA {report['versions']['cuda']}), "
              f"{report['runtime']['dtype']}, peak {_number((report['peak_bf16_flops'] or 0) / 1e12, 0)} TFLOP/s, "
              f"{report['date']}, check wall time {report['wall_s']:.0f} s")
    return "\n".join([header, "", *lines, *([""] + notes if notes else []),
                      *([""] + report["memory_arithmetic"] if report["memory_arithmetic"] else [])])


def write_report(report: dict, path: str | Path) -> Path:
    """The report as JSON at ``path`` and its table as markdown beside it (``.md``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    path.with_suffix(".md").write_text(format_table(report) + "\n")
    return path


def check_passed(report: dict) -> bool:
    """Every row measured (status ok) and reproduced bit for bit by its second run."""
    return bool(report["rows"]) and all(row["status"] == "ok" and row["deterministic"] for row in report["rows"])
