# The two commands a user needs (README "Set-up"):
#   make quickstart main job: set up .venv, then the whole two-stage pipeline on the synthetic
#                   benchmark (tools/quickstart.py: data, person detector, proposals, action
#                   model, AVA + MultiSports scores, annotated video, AP chart, metrics JSON)
#   make test       set up .venv, ruff, the whole pytest suite (what CI runs, .ci/run)
# Also: make baseline (tiny baselines on the real annotation fixtures of ../shared/data).
PY := .venv/bin/python
PYTEST_ARGS ?=
AVA_TINY := configs/baseline/slowfast-tiny_1xb1-16x2x1-2e_ava-fixtures-rgb.py
MS_TINY := configs/baseline/slowfast-tiny_1xb1-16x2x1-2e_multisports-fixtures-rgb.py

.PHONY: env lint test quickstart baseline clean-work

env:
	tools/setup_env.sh

lint: env
	$(PY) -m ruff check .

# pytest exits 5 when it collects no test: make (and so CI) fails on it like on any failure.
test: env lint
	$(PY) -m pytest $(PYTEST_ARGS)

QUICKSTART_ARGS ?=
quickstart: env
	$(PY) tools/quickstart.py $(QUICKSTART_ARGS)

baseline: env
	$(PY) -m mmaction_plugins.datasets.prepare_fixtures
	$(PY) tools/train.py $(AVA_TINY) --work-dir work_dirs/baseline_ava --seed 0
	$(PY) tools/test.py $(AVA_TINY) work_dirs/baseline_ava/epoch_2.pth --work-dir work_dirs/baseline_ava
	$(PY) tools/train.py $(MS_TINY) --work-dir work_dirs/baseline_multisports --seed 0
	$(PY) tools/test.py $(MS_TINY) work_dirs/baseline_multisports/epoch_2.pth --work-dir work_dirs/baseline_multisports

clean-work:
	rm -rf work_dirs/baseline_ava work_dirs/baseline_multisports
