# Two commands do all set-up on a fresh Debian/Ubuntu machine:
#   make demo   system packages, .venv, the package, then the workflow on the embedded default
#   make test   the same set-up, then the test suite, the linter, a paper dry run, the .test run
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

VENV ?= .venv
PY := $(VENV)/bin/python
SNAKEMAKE := $(VENV)/bin/snakemake
CORES ?= all
APT_PACKAGES := python3-venv python3-dev g++ make libxc-dev libopenblas-dev liblapack-dev pkg-config

# Debian's Chromium opens the .test report; Debian's SLURM and munge make a one-node cluster.
TEST_APT_PACKAGES := chromium slurmctld slurmd slurm-client munge

.PHONY: demo study test setup setup-mace system system-test pytest lint dryrun-paper test-workflow test-slurm clean

setup: $(VENV)/.installed

# The trained family (mace-torch, torch's ~3 GB wheel): make test trains a tiny MACE; make demo and
# make study do not need it (the study reads the committed model store).
setup-mace: $(VENV)/.installed-mace

system:
	@bash scripts/install-system-packages.sh $(APT_PACKAGES)

system-test:
	@bash scripts/install-system-packages.sh $(TEST_APT_PACKAGES)

# GPAW 26 compiles its C sources as C++: CC=g++ makes setuptools use the C++ compiler.
$(VENV)/.installed: pyproject.toml | system
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip setuptools wheel
	CC=g++ $(PY) -m pip install -q -e '.[analysis,gpaw,vasp,workflow,test]'
	touch $@

$(VENV)/.installed-mace: $(VENV)/.installed
	$(PY) -m pip install -q -e '.[mace]'
	touch $@

demo: setup
	OMP_NUM_THREADS=1 $(SNAKEMAKE) --profile profiles/default --cores $(CORES)
	mkdir -p reports && $(SNAKEMAKE) --profile profiles/default --report reports/demo.html
	@echo "results in results/: labels/, descriptors/, leverage/, sweep/, pareto/, tables/; report reports/demo.html"

# The analysis of the committed Be reference ladder (data/be_ladder): labels from its record store,
# no DFT; results/study/ has the layout of results/.
STUDY_CONFIG := config/be_ladder.yaml config/study.yaml
study: setup
	OMP_NUM_THREADS=1 $(SNAKEMAKE) --profile profiles/default --cores $(CORES) \
	  --configfile $(STUDY_CONFIG)
	mkdir -p reports && $(SNAKEMAKE) --profile profiles/default --configfile $(STUDY_CONFIG) \
	  --report reports/study.html
	@echo "results in results/study/, report reports/study.html"

test: setup setup-mace pytest lint dryrun-paper test-workflow test-slurm

pytest: setup setup-mace
	OMP_NUM_THREADS=1 $(PY) -m pytest -q

lint: setup
	$(SNAKEMAKE) --lint
	$(SNAKEMAKE) --lint -s $(CURDIR)/Snakefile --directory .test --configfile .test/config/pilot.yaml
	$(SNAKEMAKE) --lint -s $(CURDIR)/Snakefile --directory .test --configfile .test/config/production.yaml
	$(SNAKEMAKE) --lint -s $(CURDIR)/Snakefile --directory .test --configfile .test/config/adaptive.yaml

dryrun-paper: setup
	$(SNAKEMAKE) -n -q --configfile config/paper.yaml

test-workflow: setup setup-mace system-test
	rm -rf .test/results .test/logs .test/dft-records .test/model-store .test/model-work \
	  .test/reports
	OMP_NUM_THREADS=1 $(SNAKEMAKE) -s $(CURDIR)/Snakefile --directory .test \
	  --configfile .test/config/config.yaml --profile profiles/default --cores 2 -q
	mkdir -p .test/reports && $(SNAKEMAKE) -s $(CURDIR)/Snakefile --directory .test \
	  --configfile .test/config/config.yaml --report reports/test.html
	$(PY) tests/check_workflow_outputs.py .test/results
	$(VENV)/bin/mlipcost check .test/results
	$(PY) tests/check_config_edits.py
	OMP_NUM_THREADS=1 $(PY) tests/check_scatter.py
	OMP_NUM_THREADS=1 $(PY) tests/chaos_run.py --seed 7 --kill-fraction 0.4 --max-rounds 20
	$(PY) tests/check_report_renders.py .test/reports/test.html \
	  pareto_2J2.png learning_curves.png parity.png pareto_2d.png error_vs_level.png \
	  residual_correlation.png paper_pareto_2J6.png paper_pareto_2d.png paper_learning_curves.png \
	  mixed_fidelity.png label_noise.png cutoff.png properties.png \
	  dft_floor.png models_front.png models_learning_curves.png models_training_curves.png \
	  multifidelity.png
	# plan.mode pilot on a 24-cell pool: only the leverage order's prefix is labelled
	OMP_NUM_THREADS=1 $(SNAKEMAKE) -s $(CURDIR)/Snakefile --directory .test \
	  --configfile .test/config/pilot.yaml --profile profiles/default --cores 2 -q
	# plan.mode production after it: the plan's training set and a validation set, only what the
	# pilot did not label computed
	OMP_NUM_THREADS=1 $(SNAKEMAKE) -s $(CURDIR)/Snakefile --directory .test \
	  --configfile .test/config/production.yaml --profile profiles/default --cores 2 -q
	$(PY) tests/check_production.py .test/results/pilot
	$(SNAKEMAKE) -s $(CURDIR)/Snakefile --directory .test --configfile .test/config/production.yaml \
	  --report reports/pilot.html
	$(PY) tests/check_report_renders.py .test/reports/pilot.html \
	  plan_curves.png predicted_front.png pareto_2J2.png
	# plan.mode adaptive on the same pool: rounds of labels, the pilot's from its record store
	OMP_NUM_THREADS=1 $(SNAKEMAKE) -s $(CURDIR)/Snakefile --directory .test \
	  --configfile .test/config/adaptive.yaml --profile profiles/default --cores 2 -q
	$(PY) tests/check_adaptive.py .test/results/adaptive
	$(SNAKEMAKE) -s $(CURDIR)/Snakefile --directory .test --configfile .test/config/adaptive.yaml \
	  --report reports/adaptive.html
	$(PY) tests/check_report_renders.py .test/reports/adaptive.html adaptive.png --category=Plan
	# every file under each study's results folder is a declared output of one of its rules
	$(PY) tests/check_untracked.py .test/config/config.yaml .test/config/production.yaml \
	  .test/config/adaptive.yaml

# The cluster path on a real one-node SLURM started here (needs root for /etc/slurm/slurm.conf);
# compares with the local .test run, so it runs after test-workflow. Daemons stop on any exit.
SLURM_STATE ?= $(CURDIR)/.test/slurm-state
test-slurm: setup system-test test-workflow
	bash tests/slurm/cluster.sh stop $(SLURM_STATE); rm -rf $(SLURM_STATE)
	trap 'bash tests/slurm/cluster.sh stop $(SLURM_STATE)' EXIT; \
	  eval "$$(bash tests/slurm/cluster.sh start $(SLURM_STATE))"; \
	  PATH=$(CURDIR)/$(VENV)/bin:$$PATH OMP_NUM_THREADS=1 timeout -k 10 1500 \
	  $(PY) tests/slurm/cluster_tests.py

clean:
	rm -rf results logs dft-records model-store model-work reports .snakemake .test/results .test/logs \
	  .test/dft-records .test/model-store .test/model-work .test/reports .test/.snakemake
