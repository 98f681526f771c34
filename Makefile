# WildIR — the two commands of the README are `make demo` and `make test`; everything else is a building block.
SWIFT        ?= swift
RELEASE_TEST := -c release -Xswiftc -enable-testing

.PHONY: setup demo test test-debug fuzz fixtures python-tools photos bench clean

## Installs the Debian libraries WildIR links against (only what is missing).
setup:
	@bash scripts/setup.sh

## Builds wildir and runs the main job on the bundled sample photos.
demo: setup
	@bash scripts/demo.sh

## Runs the whole test suite in an optimised build (numeric kernels are too slow to fuzz in debug).
test: setup
	$(SWIFT) test $(RELEASE_TEST)

## The same suite in a debug build.
test-debug: setup
	$(SWIFT) test

## A long fuzz run of the image decoders and the checkpoint readers (one million mutated files each).
fuzz: setup
	WILDIR_FUZZ_ITERATIONS=1000000 $(SWIFT) test $(RELEASE_TEST) --filter 'CodecFuzzTests|CheckpointFuzzTests'

## Python reference tools (NumPy, OpenCV, scikit-image, Pillow) in Tools/.venv.
python-tools:
	@bash Tools/setup-python.sh

## Regenerates every committed reference fixture from the Python references.
fixtures: python-tools
	@bash Tools/generate-fixtures.sh

## Real 2560×1600 photographs from a Debian package, for benchmarks and training (data/photos, not committed).
photos:
	@bash scripts/fetch-photos.sh

## Benchmarks against OpenCV and Pillow on this machine; writes Benchmarks/results/.
bench: setup python-tools photos
	@bash Benchmarks/run-imaging.sh

clean:
	rm -rf .build Benchmarks/.build
