# The two commands a user needs (README "Set-up"):
#   make baseline   main job: set up .venv, lay out the fixtures, train + test the tiny baselines
#   make test       set up .venv, ruff, the whole pytest suite (what CI runs, .ci/run)
PY := .venv/bin/python
PYTEST_ARGS ?=
AVA_TINY := configs/baseline/slowfast-tiny_1xb1-16x2x1-2e_ava-fixtures-rgb.py
MS_TINY := configs/baseline/slowfast-tiny_1xb1-16x2x1-2e_multisports-fixtures-rgb.py

.PHONY: env lint test baseline clean-work

env:
	tools/setup_env.sh

lint: env
	$(PY) -m ruff check .

# pytest exits 5 when it collects no test: make (and so CI) fails on it like on any failure.
test: env lint
	$(PY) -m pytest $(PYTEST_ARGS)

baseline: env
	$(PY) -m mmaction_plugins.datasets.prepare_fixtures
	$(PY) tools/train.py $(AVA_TINY) --work-dir work_dirs/baseline_ava --seed 0
	$(PY) tools/test.py $(AVA_TINY) work_dirs/baseline_ava/epoch_2.pth --work-dir work_dirs/baseline_ava
	$(PY) tools/train.py $(MS_TINY) --work-dir work_dirs/baseline_multisports --seed 0
	$(PY) tools/test.py $(MS_TINY) work_dirs/baseline_multisports/epoch_2.pth --work-dir work_dirs/baseline_multisports

clean-work:
	rm -rf work_dirs/baseline_ava work_dirs/baseline_multisports
