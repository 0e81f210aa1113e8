"""The paper-scale check: published sizes, the memory arithmetic behind the Omni choice, the measuring helpers,
and the whole check's code path at tiny sizes on the CPU (so the GPU script cannot rot)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from replication.bench import paper_models as pm
from replication.bench.measure import (
    RunRecord,
    agreement,
    fingerprint,
    measured_runs,
    mfu,
    peak_bf16_flops,
    step_kinds,
)
from replication.bench.paper_scale import CASES, cpu_smoke_plan, gpu_plan
from replication.bench.rl_cases import EvenTokenShare, step_metrics
from replication.models.omni import build_processor
from replication.models.tiny_lm import build_char_tokenizer

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def processor():
    return build_processor(["what is the sound user assistant"], 300, 1)


# ---- published sizes -------------------------------------------------------------------------------------------


def test_configs_give_the_published_parameter_counts(processor):
    tokenizer = build_char_tokenizer()  # only its special-token ids reach the configs; vocabularies are published
    with torch.device("meta"):  # shapes only, no memory
        built = {
            "sd3": pm.sd3_transformer(pm.SD3_MEDIUM_512),
            "qwen2": pm.causal_lm(pm.QWEN2_0_5B, tokenizer),
            "qwen3": pm.causal_lm(pm.QWEN3_0_6B, tokenizer),
            "omni7b": pm.thinker(pm.OMNI_7B, processor),
            "omni3b": pm.thinker(pm.OMNI_3B, processor),
        }
    specs = {"sd3": pm.SD3_MEDIUM_512, "qwen2": pm.QWEN2_0_5B, "qwen3": pm.QWEN3_0_6B, "omni7b": pm.OMNI_7B,
             "omni3b": pm.OMNI_3B}
    for name, model in built.items():
        assert pm.parameter_count(model) == specs[name].published_params, name
    # the Thinker's text model is Qwen2.5-7B's (7.62B with its untied 152064 x 3584 LM head)
    text = pm.parameter_count(built["omni7b"].model.language_model) + pm.parameter_count(built["omni7b"].lm_head)
    assert text == 7_615_616_512


def test_qwen2_refuses_a_head_dim_it_cannot_express():
    spec = pm.LMSpec("bad", "qwen2", 64, 128, 1, 4, 2, head_dim=32, vocab_size=None, max_position_embeddings=64)
    with pytest.raises(ValueError, match="head_dim"):
        pm.lm_config(spec, build_char_tokenizer())


# ---- memory arithmetic -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("n_params, n_trained, reference, expected", [
    (10, 6, True, 4 * 10 + 12 * 6 + 4 * 10),  # fp32 policy + (grad + 2 Adam moments) of the trained + fp32 reference
    (10, 10, False, 4 * 10 + 12 * 10),  # no reference (beta = 0)
    (10, 0, True, 80),  # a frozen model: weights only
])
def test_full_finetune_bytes(n_params, n_trained, reference, expected):
    assert pm.full_finetune_bytes(n_params, n_trained, reference) == expected


def test_full_finetune_bytes_refuses_more_trained_than_parameters():
    with pytest.raises(ValueError, match="n_trained"):
        pm.full_finetune_bytes(10, 11)


def test_on_an_h200_the_7b_thinker_does_not_fit_and_the_3b_does(processor):
    spec, lines = pm.choose_omni(processor, 139 * pm.GIB)
    assert spec is pm.OMNI_3B
    seven = pm.omni_fit(pm.OMNI_7B, processor, 139 * pm.GIB)
    # 8.93B weights, 8.26B trained (the vision tower gets no gradient): 4 N + 12 N_t + 4 N bytes
    assert seven.state_bytes == 8 * 8_931_813_888 + 12 * (8_931_813_888 - 676_550_144)
    assert round(seven.state_bytes / pm.GIB, 1) == 158.8 and not seven.fits
    assert "158.8 GiB" in lines[1] and lines[-1].endswith("3B Thinker")
    assert pm.choose_omni(processor, 300 * pm.GIB)[0] is pm.OMNI_7B  # a larger GPU takes the paper's model


# ---- measuring helpers -----------------------------------------------------------------------------------------


def test_mfu_and_peaks():
    assert mfu(1e15, 2.0, 1e15) == 0.5
    assert peak_bf16_flops("NVIDIA H200") == 989e12
    assert peak_bf16_flops("NVIDIA H200 NVL") == 835e12
    assert peak_bf16_flops("some other GPU") is None
    with pytest.raises(ValueError):
        mfu(1.0, 0.0, 1.0)


def test_fingerprint_sees_every_bit_and_the_order():
    a = torch.randn(5, 3, generator=torch.Generator().manual_seed(0))
    b = a.clone()
    assert fingerprint([a, b.bfloat16()]) == fingerprint([a.clone(), b.bfloat16()])
    flipped = a.clone()
    flipped.view(torch.int32)[2, 1] ^= 1  # the lowest mantissa bit of one element
    assert fingerprint([flipped]) != fingerprint([a])
    assert fingerprint([a, 2 * a]) != fingerprint([2 * a, a])


def test_step_kinds():
    assert step_kinds(1, 2) == ["warmup", "timed", "timed", "counted"]
    with pytest.raises(ValueError):
        step_kinds(0, 0)


def _record(metrics, fingerprint_="f"):
    return RunRecord(["timed"], [1.0], [1.0], [], metrics, fingerprint_, None)


def test_agreement_names_what_differs():
    same = _record([{"loss": 1.0, "kl": float("nan")}])
    assert agreement(same, _record([{"loss": 1.0, "kl": float("nan")}])) == (True, "")
    assert agreement(same, _record([{"loss": 1.5, "kl": float("nan")}])) == (False, "step 1 differs in loss")
    assert agreement(same, _record([{"loss": 1.0, "kl": float("nan")}], "g"))[0] is False


def test_strict_determinism_falls_back_to_warn_only_and_names_the_op():
    calls = []

    def run_once(strict):
        calls.append(strict)
        if strict:
            raise RuntimeError("index_add_cuda_ does not have a deterministic implementation, but you set ...")
        return _record([{"loss": 1.0}])

    runs, note = measured_runs(run_once, deadline=float("inf"))
    assert calls == [True, False, False] and len(runs) == 2
    assert note == "strict deterministic mode raised at index_add_cuda_; measured with warn_only=True"

    def broken(strict):
        raise RuntimeError("CUDA out of memory")

    with pytest.raises(RuntimeError, match="out of memory"):  # any other error is the case's own
        measured_runs(broken, deadline=float("inf"))


def test_even_token_share_and_clock_free_metrics():
    assert EvenTokenShare()(["", "", ""], completion_ids=[[2, 3, 4, 6], [1], []]) == [0.75, 0.0, 0.0]
    history = [{"loss": 0.5, "step_time": 1.2, "reward": 0.3, "step": 1},
               {"train_runtime": 3.0, "train_loss": 0.5, "step": 1}]
    assert step_metrics(history) == [{"loss": 0.5, "reward": 0.3, "step": 1}]


def test_gpu_plan_reads_the_paper_profile():
    plan = gpu_plan()
    assert plan.flow.lora_rank == 16 and plan.flow.batch == 16  # paper: 2 prompt groups x 8 samples, LoRA r16
    assert plan.flow.spec.latent_shape == (16, 64, 64) and plan.flow.spec.text_tokens == 333
    assert [s.name for s in plan.lm.specs] == ["Qwen2-0.5B", "Qwen3-0.6B"] and plan.lm.lr == 1e-6
    assert plan.omni.spec is None and plan.omni.grpo.num_generations == 8 and plan.omni.grpo.L_max == 256
    assert "16 x 8, 256 new" in plan.lm.paper_batch


# ---- the whole check, tiny, on the CPU ---------------------------------------------------------------------------


def _cli():
    spec = importlib.util.spec_from_file_location("paper_scale_check", REPO / "scripts/paper_scale_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cpu_smoke_runs_every_case_and_reproduces_it(tmp_path):
    out = tmp_path / "paper_scale.json"
    assert _cli().main(["--cpu-smoke", "--peak-tflops", "1", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    rows = report["rows"]
    assert len(rows) == 2 + 1 + 4  # SD3 (ADRPO-FM, ORW-CFM-W2), Omni (AudioGRPO), 2 LLMs x (ADRPO, GRPO)
    for row in rows:
        assert row["status"] == "ok" and row["deterministic"] is True, row
        assert row["seconds_per_step"] > 0 and row["throughput"] > 0 and row["tflop_per_step"] > 0, row
        assert 0 < row["mfu"] < 1, row
    assert [row["throughput_unit"] for row in rows] == ["images/s"] * 2 + ["tokens/s"] * 5
    assert any("ADRPOTrainer" in row["case"] for row in rows) and any("GRPOTrainer (beta" in r["case"] for r in rows)
    table = out.with_suffix(".md").read_text()
    assert all(row["case"] in table for row in rows)
    assert report["plan"]["lm"]["specs"][0]["name"] == "tiny qwen2"


def test_a_failing_case_becomes_an_error_row_and_the_rest_still_runs(tmp_path, monkeypatch):
    import time

    from replication.bench import paper_scale
    from replication.bench.env import CheckEnv
    from replication.configs.runtime import RuntimeConfig

    def broken(plan, env):
        raise RuntimeError("CUDA out of memory (simulated)")

    monkeypatch.setattr(paper_scale, "omni_rows", broken)
    env = CheckEnv(RuntimeConfig(device="cpu", dtype="float32"), time.monotonic() + 60, None, tmp_path)
    report = paper_scale.run_check(cpu_smoke_plan(), env, cases=("flow", "omni"))
    statuses = [row["status"] for row in report["rows"]]
    assert statuses == ["ok", "ok", "error: RuntimeError: CUDA out of memory (simulated)"]
    assert not paper_scale.check_passed(report)
    with pytest.raises(ValueError, match="unknown cases"):
        paper_scale.run_check(cpu_smoke_plan(), env, cases=("nope",))
    assert CASES == ("flow", "omni", "lm")


def test_a_past_deadline_skips_cases(tmp_path):
    import time

    from replication.bench import paper_scale
    from replication.bench.env import CheckEnv
    from replication.configs.runtime import RuntimeConfig

    plan = gpu_plan()  # its reserves: nothing starts with a deadline already passed
    env = CheckEnv(RuntimeConfig(device="cpu", dtype="float32"), time.monotonic() - 1, None, tmp_path)
    report = paper_scale.run_check(plan, env)
    assert len(report["rows"]) == 4 and all(row["status"].startswith("skipped") for row in report["rows"])


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal on a machine without CUDA")
def test_the_script_refuses_to_start_without_cuda(tmp_path):
    result = subprocess.run([sys.executable, str(REPO / "scripts/paper_scale_check.py"), "--out", str(tmp_path / "x")],
                            capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 2
    assert "no CUDA device" in result.stderr and "--cpu-smoke" in result.stderr
    assert not (tmp_path / "x").exists()
