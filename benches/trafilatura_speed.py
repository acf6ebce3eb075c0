#!/usr/bin/env python3
"""Time trafilatura on the benchmark pages the way score_extraction times copydesk.

Same pages, same conditions: one thread, every page's HTML read, gunzipped and
decoded to a str before timing starts (decoded as UTF-8, invalid bytes
replaced, as `score_extraction` falls back to when a page's charset cannot be
read), then `trafilatura.extract(html, url=url, include_comments=False)` on
each page in turn; the median of `--passes` passes is reported in pages per
second, with the per-thread CPU rate next to it (CPU time does not count time
spent waiting for a core, so it stays meaningful on a shared machine).

Run it next to `score_extraction` in the same session to compare the two:

    .venv-bench/bin/python benches/trafilatura_speed.py tests/data/article-extraction-benchmark
    .venv-bench/bin/python benches/trafilatura_speed.py tests/data/wcxb-dev-articles --passes 3
    .venv-bench/bin/python benches/trafilatura_speed.py DATA --out preds.json
    target/release/examples/score_extraction --data DATA --published preds.json

`--out FILE` also writes trafilatura's bodies in the benchmark's JSON layout
(`{id: {"articleBody": ...}}`), which `score_extraction --published FILE`
scores with the same metric as copydesk. Needs trafilatura (2.3.1 measured)
in the interpreter's environment: `sh benches/pyenv.sh` makes .venv-bench with it.
"""
import argparse
import gzip
import json
import os
import statistics
import sys
import time

import trafilatura


def load(data):
    with open(os.path.join(data, 'ground-truth.json'), encoding='utf-8') as f:
        truth = json.load(f)
    pages = []
    for pid in sorted(truth):
        with gzip.open(os.path.join(data, 'html', pid + '.html.gz'), 'rb') as f:
            raw = f.read()
        pages.append((pid, truth[pid].get('url') or None, raw.decode('utf-8', errors='replace')))
    return pages


def run(pages):
    out = {}
    for pid, url, html in pages:
        try:
            out[pid] = trafilatura.extract(html, url=url, include_comments=False) or ''
        except Exception as e:  # a crash is an empty body, as for copydesk
            print(f'{pid}: {e!r}', file=sys.stderr)
            out[pid] = ''
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('data', help='benchmark directory (html/<id>.html.gz + ground-truth.json)')
    ap.add_argument('--passes', type=int, default=3, help='timed passes (median reported)')
    ap.add_argument('--out', help='write the extracted bodies as benchmark JSON')
    a = ap.parse_args()

    pages = load(a.data)
    bodies = run(pages)  # warm-up pass (imports, caches), not timed
    walls, cpus = [], []
    for i in range(max(1, a.passes)):
        w0, c0 = time.perf_counter(), time.thread_time()
        run(pages)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.thread_time() - c0)
        print(f'pass {i + 1}: {len(pages) / walls[-1]:.1f} pages/s', file=sys.stderr)
    n = len(pages)
    print(f'trafilatura {trafilatura.__version__} on {a.data}: {n} pages, single thread, '
          f'HTML decoded in memory, median of {len(walls)} passes')
    print(f'  extract  {n / statistics.median(walls):7.1f} pages/s  '
          f'({1000 * statistics.median(walls) / n:.2f} ms/page; '
          f'passes {n / max(walls):.1f}..{n / min(walls):.1f}); '
          f'{n * len(cpus) / sum(cpus):.1f} pages per CPU-second')
    if a.out:
        with open(a.out, 'w', encoding='utf-8') as f:
            json.dump({pid: {'articleBody': b} for pid, b in bodies.items()}, f, ensure_ascii=False)
        print(f'  bodies written to {a.out}')


if __name__ == '__main__':
    main()
