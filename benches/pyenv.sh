#!/bin/sh
# The Python side of the benchmarks, from the package registry, pinned to the
# versions BENCHMARKS.md was measured with: trafilatura 2.3.1 (speed and
# quality next to copydesk) and lxml (benches/stability_check.py).
#
#   sh benches/pyenv.sh            # creates .venv-bench/ (ignored by git)
#   .venv-bench/bin/python benches/trafilatura_speed.py tests/data/wcxb-dev-articles
set -eu
dir=${1:-.venv-bench}
python3 -m venv "$dir"
"$dir/bin/pip" install --quiet \
    trafilatura==2.3.1 htmldate==1.11.0 courlan==1.4.0 jusText==3.0.2 \
    lxml==6.1.3 lxml_html_clean==0.4.6
"$dir/bin/python" -c 'import trafilatura, lxml; print("trafilatura", trafilatura.__version__, "in", "'"$dir"'")'
