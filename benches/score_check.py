#!/usr/bin/env python3
"""An independent check of copydesk's extraction scorer (src/core/score.rs).

Re-implements the article-extraction-benchmark's metric in plain Python,
written from its description (the data set's README), not from our Rust:
text -> `\\w+` tokens -> multiset of 4-token shingles (a text of fewer
than 4 tokens is one shorter shingle); per page, matched / extra / missed
shingle counts; precision averaged over the pages that predict anything,
recall over the pages whose truth has anything; F1 the harmonic mean of the
two averages; accuracy the share of pages whose token sequence equals the
truth's. Prints one line per prediction file, so the figures can be put
next to `score_extraction --published` (and `--bodies`) line by line.

    python3 benches/score_check.py tests/data/article-extraction-benchmark \\
        tests/data/article-extraction-benchmark/published/*/*.json.gz
    target/release/examples/score_extraction --set all --passes 1 --bodies /tmp/ours
    python3 benches/score_check.py tests/data/article-extraction-benchmark \\
        /tmp/ours/article-extraction-benchmark.json

Standard library only.
"""
import argparse
import gzip
import json
import os
import re
import sys
from collections import Counter

WORD = re.compile(r'\w+')


def read_json(path):
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rt', encoding='utf-8') as f:
        return json.load(f)


def bodies(doc):
    """{id: body} from the plain or the wrapped ({"output": ...}) layout."""
    if isinstance(doc, dict) and isinstance(doc.get('output'), dict):
        doc = doc['output']
    return {k: ((v or {}).get('articleBody') or '') for k, v in doc.items()}


def shingles(tokens, n=4):
    if len(tokens) < n:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def page(pred, truth):
    tp_, tt = WORD.findall(pred), WORD.findall(truth)
    p, t = shingles(tp_), shingles(tt)
    matched = sum((p & t).values())
    extra = sum(p.values()) - matched
    missed = sum(t.values()) - matched
    return matched, extra, missed, tp_ == tt


def ratio(hit, other):
    if hit + other == 0:
        return None
    return hit / (hit + other)


def score(preds, truth):
    precisions, recalls, exact = [], [], 0
    for pid, t in truth.items():
        matched, extra, missed, same = page(preds.get(pid, ''), t)
        exact += same
        if extra == 0 and missed == 0:
            # nothing wrong: a perfect page for both averages
            if matched:
                precisions.append(1.0)
                recalls.append(1.0)
            continue
        pr = ratio(matched, extra)
        rc = ratio(matched, missed)
        if pr is not None:
            precisions.append(pr)
        if rc is not None:
            recalls.append(rc)
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return f1, p, r, exact / len(truth)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('data', help='a benchmark directory (ground-truth.json)')
    ap.add_argument('predictions', nargs='+', help='prediction files (.json or .json.gz)')
    a = ap.parse_args()
    truth = bodies(read_json(os.path.join(a.data, 'ground-truth.json')))
    for path in a.predictions:
        preds = bodies(read_json(path))
        if set(preds) != set(truth):
            sys.exit(f'{path}: prediction ids do not match the ground truth')
        f1, p, r, acc = score(preds, truth)
        name = os.path.basename(path).split('.json')[0]
        where = os.path.basename(os.path.dirname(path))
        print(f'{where + "/" + name:<40} F1 {f1:.4f}  P {p:.4f}  R {r:.4f}  accuracy {acc:.4f}')


if __name__ == '__main__':
    main()
