#!/bin/sh
# Extraction speed of copydesk and trafilatura side by side, per set, in one
# run: copydesk, trafilatura, copydesk again (so a change in the machine's
# load between the two shows as a difference between copydesk's two runs).
# Rates are pages per CPU-second of the measuring thread; the load average
# is printed before and after each set.
#
#   sh benches/pyenv.sh                                   # once: .venv-bench
#   cargo build --release --locked --example extract_speed
#   sh benches/speed_side_by_side.sh [PASSES]             # default 3 (trafilatura: 2)
set -eu
passes=${1:-3}
bin=${COPYDESK_EXTRACT_SPEED:-target/release/examples/extract_speed}
py=${PYTHON:-.venv-bench/bin/python}
for set in wcxb-dev-articles article-extraction-benchmark; do
    echo "== $set $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    "$bin" "$passes" "tests/data/$set" 2>&1 | tail -3
    "$py" benches/trafilatura_speed.py "tests/data/$set" --passes 2 2>&1 | tail -3
    "$bin" "$passes" "tests/data/$set" 2>&1 | tail -3
    echo "   end $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
done
