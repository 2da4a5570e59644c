# Strata: two commands on a fresh machine.
#   make demo   builds the tool in release mode and runs the main job
#   make test   builds and runs the test suite
# Both install the C libraries they need (Debian packages) when missing.

SHELL := /bin/bash
APT_PACKAGES := libopenblas-dev liblapacke-dev libsqlite3-dev zlib1g-dev
SWIFT_FLAGS ?=

.PHONY: demo test deps bench build check-imports fuzz check-reports notebooks-export test-spark

deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done | xargs); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "Strata needs: $$missing. Run:  sudo apt-get install -y $$missing" >&2; exit 1; \
	  fi; \
	fi

build: deps
	swift build -c release --product strata $(SWIFT_FLAGS)

# The main job: the whole flow on the synthetic clinic (in demo-project/), after a BLAS self-check.
demo: build
	"$$(swift build -c release --show-bin-path)/strata" selfcheck
	"$$(swift build -c release --show-bin-path)/strata" demo
	@echo "the demo's report: $$(pwd)/demo-project/reports/run-2/report.html"

test: deps check-imports
	swift test $(SWIFT_FLAGS)

# Every Swift file imports only what its module's README allows (Scripts/check-imports.py), and the
# checker itself fails on planted violations (Scripts/test-check-imports.sh).
check-imports:
	python3 Scripts/check-imports.py
	Scripts/test-check-imports.sh

# Benchmarks: make bench NAME=gemm (see Benchmarks/README.md).
bench: deps
	python3 Benchmarks/run.py $(NAME)

# Fuzzing (not part of `make test` or CI): make fuzz [FUZZ_SECONDS=600] [FUZZ_TARGETS="rules csv-canonical"].
# Builds Fuzz/ with libFuzzer and the address sanitizer and runs each target in turn (see Fuzz/README.md).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) Fuzz/run.sh $(FUZZ_TARGETS)

# Reports: every report validates (nbformat), converts (nbconvert) and renders in headless Chromium
# (Scripts/check-reports.sh; installs chromium and a venv when missing).
check-reports: deps
	Scripts/check-reports.sh

# The committed example report (notebooks-export/): the demo's report, made again (see docs/reports.md) by the
# debug build, as the test that compares it (ReportExampleTests) does, so the figures agree to the last digit.
notebooks-export: deps
	swift build --product strata $(SWIFT_FLAGS)
	rm -rf .build/notebooks-export-demo
	"$$(swift build --show-bin-path)/strata" demo --directory .build/notebooks-export-demo > /dev/null
	rm -rf notebooks-export/aggregates notebooks-export/report.ipynb notebooks-export/report.html
	cp -R .build/notebooks-export-demo/reports/run-2/report.ipynb .build/notebooks-export-demo/reports/run-2/report.html \
	  .build/notebooks-export-demo/reports/run-2/aggregates notebooks-export/
	rm -rf .build/notebooks-export-demo

# The Apache Spark round trip (docs/scaling.md): PySpark in local mode (installed into Scripts/.venv-spark when
# missing; needs java) fits MLlib k-means and logistic regression on `strata features --partitions` of a
# generated clinic; `strata models import` must give Strata's own clusters (ARI >= 0.99) and scores (1e-6).
test-spark: deps
	swift build --product strata $(SWIFT_FLAGS)
	python3 Scripts/spark-roundtrip.py --strata "$$(swift build --show-bin-path)/strata"
