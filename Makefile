# Entry points: `make figures` and `make test` (each complete on its own), plus the helpers below.
# Every command names the project's interpreter in .venv, created here when it is missing (offline: torch
# 2.13.0's CPU wheel is local), so nothing needs to be activated and any shell works.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DVC := $(BIN)/dvc --wait-for-lock
# independent DVC stages run side by side, one per core (each stage computes on one thread)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PROFILE ?= tiny
SMOKE_DIR ?= build/smoke

# Lanes for `make figures`, scheduled by make on JOBS cores: per experiment, its shared stages (data, models,
# SFT) in one lane, then its sweep runs in one lane per seed (every matrix names its seed last:
# `orw-finetune@0.3-1`), then its figures. Lanes run DVC's parallel `repro` of independent targets (the
# repository lock is released while a stage runs; per-path read/write locks guard the rest) with
# `--single-item`, stages in dvc.yaml's order: a lane never re-checks a stage another lane is using. Whatever a
# lane leaves stale, the final plain `dvc repro` rebuilds, so the lanes decide only the speed, never what is built.
EXPERIMENTS := cesar adrpo-flow adrpo-llm orw
ifeq ($(MAKECMDGOALS),lanes)
STAGES := $(shell $(BIN)/dvc stage list --name-only)
SEED_STAGES := $(shell printf '%s\n' $(STAGES) | grep -E '@.*-[0-9]+$$')
endif
stages_of = $(filter $(1)-%,$(STAGES))
prep_of = $(filter-out %-figures $(SEED_STAGES),$(call stages_of,$(1)))
runs_of = $(filter $(1)-%,$(SEED_STAGES))
seeds_of = $(sort $(foreach name,$(call runs_of,$(1)),$(lastword $(subst -, ,$(name)))))

.PHONY: env figures test smoke params deps lab publish clean-env lanes

env: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and alone, so that pip takes the pinned wheel and no other build
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

figures: $(STAMP)  ## rebuild every figure and the report for the profile params.yaml holds (tiny by default)
	mkdir -p data
	$(DVC) repro params
	$(MAKE) --no-print-directory --output-sync=target -j$(JOBS) lanes
	$(DVC) repro

lanes: $(EXPERIMENTS:%=figures-%)

define experiment_lanes
.PHONY: prep-$(1) figures-$(1) $(foreach seed,$(call seeds_of,$(1)),runs-$(1)-$(seed))
prep-$(1):
	$$(DVC) repro --single-item $(call prep_of,$(1))
$(foreach seed,$(call seeds_of,$(1)),runs-$(1)-$(seed)): runs-$(1)-%: prep-$(1)
	$$(DVC) repro --single-item $$(filter %-$$*,$$(call runs_of,$(1)))
figures-$(1): $(foreach seed,$(call seeds_of,$(1)),runs-$(1)-$(seed))
	$$(DVC) repro --single-item $(1)-figures
endef
$(foreach experiment,$(EXPERIMENTS),$(eval $(call experiment_lanes,$(experiment))))
# the ADRPO flow digits testbed fine-tunes ORW-CFM-W2's generator and classifier: build them first
prep-adrpo-flow: prep-orw

test: $(STAMP)  ## the test suite, the smoke pipeline included (CI runs this)
	$(BIN)/python -m pytest -q

smoke: $(STAMP)  ## the whole pipeline at toy sizes in a scratch copy of this checkout (what the suite runs)
	bash scripts/figures_in_copy.sh $(SMOKE_DIR) smoke

params: $(STAMP)  ## compose conf/ into params.yaml for PROFILE (tiny | smoke | paper), as `dvc exp run -S profile=` does
	$(BIN)/python -m replication.pipeline.profiles $(PROFILE)

deps: $(STAMP)  ## regenerate each stage's code deps in dvc.yaml from its import closure
	$(BIN)/python -m replication.pipeline.stage_deps

LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json
lab: $(STAMP)  ## JupyterLab on notebooks/: the .py sources open as notebooks (jupytext), kernels at the repo root
	mkdir -p $(dir $(LAB_SETTINGS))
	echo '{"@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"python": "Jupytext Notebook"}}}' \
		> $(LAB_SETTINGS)
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" --ServerApp.default_url=/lab/tree/notebooks \
		--ServerApp.kernel_manager_class=replication.pipeline.lab.RepositoryRootKernelManager $(LAB_ARGS)

publish: $(STAMP)  ## copy figures, report and HTML renders of the executed notebooks into docs/results/
	$(BIN)/python -m replication.pipeline.publish

clean-env:
	rm -rf $(VENV)
