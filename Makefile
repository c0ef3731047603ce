# mrilab: build the book and run the tests on a fresh machine with Python 3.11.
#
#   make book    install, make the dataset, execute every chapter, write _build/html
#   make test    install, make the dataset, run the unit tests (the assignments run under the autograder), and
#                execute every chapter once (cached for `make book`, which then only renders)
#   make test-seeds  the chapters again with two other dataset seeds (slow)
#   make book-student  the same book without the exercise solutions (for students)
#   make weights retrain the shipped networks in weights/, every set (about 205 minutes on 2 CPU cores)
#   make weights-ablations  retrain chapter 12's, 21's and 22's ablations in weights/ablations (about 75 minutes)
#
# Both create a virtual environment in .venv unless one is active ($VIRTUAL_ENV),
# or use VENV=/path/to/env. Both are idempotent.

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
PYTHON ?= python3
# pip on some machines warns about absent local indexes; keep the log readable
QUIET_PIP := 2>&1 | { grep -v 'is ignored: it is neither a file nor a directory' || true; }
VENV ?= $(if $(VIRTUAL_ENV),$(VIRTUAL_ENV),.venv)
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.mrilab-installed
DATA := data/mri_dataset.h5
REALISTIC := data/mri_dataset_realistic.h5
ANATOMY := data/mri_anatomy.h5
MULTICOIL := data/mri_dataset_multicoil.h5
RADIAL := data/mri_dataset_radial.h5
RADIAL_MULTICOIL := data/mri_dataset_radial_multicoil.h5
export TQDM_DISABLE := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: all install data nbval book book-student browser-test test test-seeds unit notebooks lab clean weights weights-ablations compare assignments

all: test book

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip $(QUIET_PIP)
	$(PY) -m pip install --quiet -r requirements.txt $(QUIET_PIP)
	$(PY) -m pip install --quiet --no-deps -e . $(QUIET_PIP)
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

install: $(STAMP)

# the study's dataset (chapters 1-10), the realistic one and the real brain slices (Part IV),
# the multi-coil one (Part V), the radial ones, one coil and eight (Part VI)
data: install
	$(PY) -m mrilab.data --out $(DATA)
	$(PY) -m mrilab.data --preset realistic --out $(REALISTIC)
	$(PY) -m mrilab.data --preset anatomy --out $(ANATOMY)
	$(PY) -m mrilab.data --preset multicoil --out $(MULTICOIL)
	$(PY) -m mrilab.data --preset radial --out $(RADIAL)
	$(PY) -m mrilab.data --preset radial_multicoil --out $(RADIAL_MULTICOIL)

# the executed notebooks are cached in _build/.jupyter_cache; its key is a hash of the package,
# the weights and the requirements, so an edit to mrilab re-executes every chapter
CACHE_KEY = $$(find mrilab weights -type f \( -name '*.py' -o -name '*.pt' \) | LC_ALL=C sort | xargs cat requirements.txt | sha256sum | cut -c1-16)

# both `make test` (which executes every chapter once and caches it) and `make book` (which renders
# from that cache, executing only what is missing) start by dropping a cache made from other code
CHECK_CACHE = key=$(CACHE_KEY); \
	if [ "$$(cat _build/.mrilab-cache-key 2>/dev/null)" != "$$key" ]; then \
		rm -rf _build/.jupyter_cache; mkdir -p _build; echo "$$key" > _build/.mrilab-cache-key; \
		echo "mrilab, weights or requirements changed (key $$key): the chapters will be executed afresh"; fi

book: data
	@start=$$(date +%s); $(CHECK_CACHE); \
	$(BIN)/jupyter-book build --all --warningiserror --keep-going . || exit 1; \
	echo "book built in $$(( $$(date +%s) - start )) s: open _build/html/index.html"

# the student edition: the same book with the exercise solutions removed (sphinx-exercise's hide_solutions)
book-student: data
	@mkdir -p _build
	$(PY) -c "import yaml; c = yaml.safe_load(open('_config.yml')); c['sphinx']['config']['hide_solutions'] = True; c['execute']['execute_notebooks'] = 'force'; c['title'] += ' (student edition)'; yaml.safe_dump(c, open('_build/student_config.yml', 'w'))"
	$(BIN)/jupyter-book build --all --warningiserror --keep-going --config _build/student_config.yml --path-output _build/student .
	@echo "student edition: _build/student/_build/html/index.html"

# the rendered book in headless Chromium (run `make book` first; needs Debian's chromium package)
browser-test: install
	$(PY) -m pip install --quiet playwright==1.65.2 $(QUIET_PIP)
	@command -v chromium >/dev/null || { echo "no chromium: apt-get install -y chromium"; exit 1; }
	$(PY) -m pytest browser_tests -q -s

# the unit tests (tests/test_grading.py runs every assignment's source through the autograder: every cell
# without an error, full marks), then every chapter executed once by the book's own
# executor; the executed chapters go into the book's cache, so `make book` does not run them again
test: data
	$(PY) -m pytest tests
	@$(CHECK_CACHE)
	$(PY) -m pytest notebooks --execute-notebooks _build/.jupyter_cache

# the chapters of Parts II-IV again with dataset seeds 1 and 2 (about 10 minutes): their claims
# must not depend on the default draw
test-seeds: data
	MRILAB_TEST_SEEDS=1 $(PY) -m pytest tests/test_seeds.py -v

unit: install
	$(PY) -m pytest tests

notebooks: data
	@$(CHECK_CACHE)
	$(PY) -m pytest notebooks --execute-notebooks _build/.jupyter_cache

# the chapters cell by cell under nbval (what `make test-seeds` uses), without touching the cache
nbval: data
	$(PY) -m pytest notebooks --nbval-lax --nbval-current-env

# every weight set: trained on the seed data (chapters 8-10), on the realistic data (Part IV), on
# the multi-coil data (Part V), Part VII's, on the radial data (Part VI), and chapter 27's masks with
# their networks (after unrolled_realistic.pt and unrolled_robust.pt, which they start from and are chosen with)
weights: data
	$(PY) -m mrilab.train kspace-unet --data $(DATA) --out weights/kspace_unet.pt
	$(PY) -m mrilab.train cascade --data $(DATA) --stage1 weights/kspace_unet.pt --out weights/cascade.pt
	$(PY) -m mrilab.train kspace-unet --preset realistic --data $(REALISTIC) --out weights/kspace_unet_realistic.pt
	$(PY) -m mrilab.train cascade --preset realistic --data $(REALISTIC) --stage1 weights/kspace_unet_realistic.pt --out weights/cascade_realistic.pt
	$(PY) -m mrilab.train unrolled --data $(REALISTIC) --out weights/unrolled_realistic.pt
	$(PY) -m mrilab.train unrolled-multicoil --data $(MULTICOIL) --out weights/unrolled_multicoil.pt
	$(PY) -m mrilab.train unrolled-robust --data $(REALISTIC) --out weights/unrolled_robust.pt
	$(PY) -m mrilab.train unrolled-varied --data $(REALISTIC) --out weights/unrolled_varied.pt
	$(PY) -m mrilab.train unrolled-multicoil-robust --data $(MULTICOIL) --init weights/unrolled_multicoil.pt --out weights/unrolled_multicoil_robust.pt
	$(PY) -m mrilab.train denoiser --data $(REALISTIC) --out weights/denoiser_realistic.pt
	$(PY) -m mrilab.train denoiser --family randomized --data $(REALISTIC) --out weights/denoiser_randomized.pt
	$(PY) -m mrilab.train score --data $(REALISTIC) --out weights/score_realistic.pt
	$(PY) -m mrilab.train unrolled-ssdu --data $(REALISTIC) --out weights/unrolled_ssdu.pt
	$(PY) -m mrilab.train unrolled-ssdu --multicoil --data $(MULTICOIL) --out weights/unrolled_multicoil_ssdu.pt
	$(PY) -m mrilab.train unrolled-nufft --data $(RADIAL) --out weights/unrolled_nufft.pt
	$(PY) -m mrilab.train unrolled-nufft --multicoil --data $(RADIAL_MULTICOIL) --init weights/unrolled_nufft.pt --out weights/unrolled_nufft_multicoil.pt
	$(PY) -m mrilab.train sampling --data $(REALISTIC) --out-dir weights/sampling
	$(PY) -m mrilab.train unrolled-dynamic --out weights/unrolled_dynamic.pt

# chapter 12's ablations of the unrolled network (and chapter 13's ensemble) and chapter 23's
# self-supervised ones, each on a short budget
weights-ablations: data
	$(PY) -m mrilab.train ablations --data $(REALISTIC)

assignments: install
	$(PY) -m mrilab.grading release assignments/source/*.ipynb --out assignments/release

compare: data
	$(PY) -m mrilab.compare --data $(DATA) --out reports
	$(PY) -m mrilab.compare --data $(REALISTIC) --out reports/realistic --weights seed realistic
	$(PY) -m mrilab.compare --data $(ANATOMY) --out reports/anatomy --weights seed realistic

lab: data
	$(BIN)/jupyter lab notebooks

clean:
	rm -rf _build data
