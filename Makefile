# WildIR — the two commands of the README are `make demo` and `make test`; everything else is a building block.
SWIFT        ?= swift
RELEASE_TEST := -c release -Xswiftc -enable-testing
OPT_IN_TESTS := LargeParityTests

PREFIX       ?= /usr/local

.PHONY: setup demo test test-debug test-large install uninstall fuzz fixtures python-tools photos bench bench-tensor bench-quality bench-serve serve-screenshots train-default clean

## Installs the Debian libraries WildIR links against (only what is missing).
setup:
	@bash scripts/setup.sh

## Builds wildir and runs the main job on the bundled sample photos.
demo: setup
	@bash scripts/demo.sh

## Runs the whole test suite in an optimised build (numeric kernels are too slow to fuzz in debug). The opt-in
## LargeParityTests (a 1 GB git-ignored fixture) is left out: `make test-large` runs it.
test: setup
	$(SWIFT) test $(RELEASE_TEST) --skip $(OPT_IN_TESTS)

## The same suite in a debug build.
test-debug: setup
	$(SWIFT) test --skip $(OPT_IN_TESTS)

## The DA-CLIP ViT-B-32 parity test, after `Tools/fixtures/daclip_parity.py --b32` has written its fixture.
test-large: setup
	$(SWIFT) test $(RELEASE_TEST) --filter $(OPT_IN_TESTS)

## Installs wildir in PREFIX/bin and the bundled files (model, CLIP vocabulary, NIQE parameters) in
## PREFIX/share/wildir/models (found there by the binary).
install: setup
	$(SWIFT) build -c release --product wildir
	install -d "$(PREFIX)/bin" "$(PREFIX)/share/wildir/models/clip" "$(PREFIX)/share/wildir/models/metrics"
	install -m 755 "$$($(SWIFT) build -c release --show-bin-path)/wildir" "$(PREFIX)/bin/wildir"
	install -m 644 models/default.safetensors models/MODEL_CARD.md "$(PREFIX)/share/wildir/models/"
	install -m 644 models/clip/* "$(PREFIX)/share/wildir/models/clip/"
	install -m 644 models/metrics/* "$(PREFIX)/share/wildir/models/metrics/"
	@echo "installed $(PREFIX)/bin/wildir ($$("$(PREFIX)/bin/wildir" --version))"

uninstall:
	rm -f "$(PREFIX)/bin/wildir"
	rm -rf "$(PREFIX)/share/wildir"

## A long fuzz run of the image decoders and the checkpoint readers (one million mutated files each).
fuzz: setup
	WILDIR_FUZZ_ITERATIONS=1000000 $(SWIFT) test $(RELEASE_TEST) --filter 'CodecFuzzTests|CheckpointFuzzTests'

## Python reference tools (NumPy, OpenCV, scikit-image, Pillow, PyTorch CPU, safetensors, einops) in Tools/.venv.
python-tools:
	@bash Tools/setup-python.sh

## Regenerates every committed reference fixture from the Python references and the official DACLIP-IR and SSP-IR
## code: make fixtures DACLIP_REPO=<checkout of github.com/Algolzw/daclip-uir> SSPIR_REPO=<checkout of
## github.com/zyhrainbow/SSP-IR> (DACLIP_COMMIT / SSPIR_COMMIT=<commit> for a copy without .git). Fails, naming the
## generator, when a reference is unavailable; see Tests/README.md.
fixtures: python-tools
	@DACLIP_REPO="$(DACLIP_REPO)" DACLIP_COMMIT="$(DACLIP_COMMIT)" SSPIR_REPO="$(SSPIR_REPO)" SSPIR_COMMIT="$(SSPIR_COMMIT)" \
		bash Tools/generate-fixtures.sh

## Real photographs from Debian packages: data/photos (training, benchmarks) and data/heldout (evaluation only).
photos:
	@bash scripts/fetch-photos.sh

## Trains the bundled model's recipe (configs/default.yml) on data/photos: about an hour on 2 cores.
train-default: setup photos
	$(SWIFT) build -c release --product wildir
	"$$($(SWIFT) build -c release --show-bin-path)/wildir" train --config configs/default.yml

## Benchmarks against OpenCV and Pillow on this machine; writes Benchmarks/results/.
bench: setup python-tools photos
	@bash Benchmarks/run-imaging.sh

## Tensor-engine benchmarks against PyTorch (convolutions; with DACLIP_REPO set, the official networks too).
bench-tensor: setup python-tools
	@bash Benchmarks/run-tensor.sh
	@if [ -n "$$DACLIP_REPO" ]; then bash Benchmarks/run-unet.sh; else echo "set DACLIP_REPO for the network benchmark"; fi

## Quality against the input and a plain unsharp mask on the held-out photos (needs DACLIP_REPO, see Benchmarks/).
bench-quality: setup python-tools photos
	@bash Benchmarks/run-quality.sh

## Load test of `wildir serve` on loopback (200 jobs from 16 clients); writes Benchmarks/results/serve-load.md.
bench-serve: setup
	@bash Benchmarks/run-serve-load.sh

## The page's screenshots in docs/images/ (serve-desktop.png, serve-phone.png), taken by the browser test.
serve-screenshots: setup
	@bash scripts/serve-screenshots.sh

clean:
	rm -rf .build Benchmarks/.build
