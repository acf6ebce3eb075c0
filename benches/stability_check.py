#!/usr/bin/env python3
"""Furniture stability on real pages: would a re-load of the same article make a false edit?

For each page of a dataset (AEB layout: html/<id>.html.gz + ground-truth.json), two variants
are made in which the text outside the human-annotated article body changes the way furniture
changes between two loads of the same article: relative times ("5 min ago" -> "17 min ago"),
counters (a number with views/comments/shares/hits/likes/reads, or a number alone inside an
element whose class or id names a counter), and the order of link lists outside the body (most-read boxes, teasers: lists whose items are
mostly link text). Years, full
dates, clock times, the <head>, <title> and headings are left alone: they do not change from load to load.
The article text is untouched.
copydesk extracts both variants (`copydesk extract FILE --format json`); a page is UNSTABLE
when the normalized title+body differ between the two variants: a watch of that page would
store a new version and alert on every load. The tool also reports pages where the variants'
bodies differ by furniture lines only vs by article text.

Usage (from the project root, after `cargo build --release --locked --bin copydesk`):
  .venv-bench/bin/python benches/stability_check.py tests/data/wcxb-dev-articles [--bin BIN] [--limit N] [--seed S] [--json OUT]
Needs lxml: `sh benches/pyenv.sh` makes .venv-bench with it.

(A copy of the team's shared furniture-stability tool, kept here so that the
figures in BENCHMARKS.md can be reproduced from a clone.)
"""
import argparse, gzip, json, os, random, re, subprocess, sys, tempfile

from lxml import html as lhtml

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_BIN = os.environ.get('COPYDESK_BIN') or 'target/release/copydesk'  # run from the project root
WS = re.compile(r'\s+')
REL = re.compile(r'((?:\b\d+\s*(?:sec|second|min|minute|hour|hr|day|week)s?\.?,?\s*)+)(ago)\b', re.I)
CLOCK = re.compile(r'\b([01]?\d|2[0-3]):[0-5]\d\b')
COUNTER = re.compile(r'\b(\d[\d,.]*)(\s*(?:views?|comments?|shares?|hits?|likes?|reads?|reactions?)\b)', re.I)
LONE_NUMBER = re.compile(r'^\W*(\d[\d,.]*)\W*$')
YEAR = re.compile(r'^(19|20)\d\d$')
SKIP_TAGS = {'script', 'style', 'title', 'head', 'meta', 'h1', 'h2', 'time'}


def norm(s):
    return WS.sub(' ', s or '').strip().lower()


def body_ngrams(text, n=6):
    toks = re.findall(r'\w+', text.lower())
    return {' '.join(toks[i:i + n]) for i in range(max(0, len(toks) - n + 1))}


def in_body(text, grams):
    toks = re.findall(r'\w+', text.lower())
    if len(toks) < 6:
        # short strings: in the body if they occur verbatim in it
        return False
    hits = sum(1 for i in range(len(toks) - 5) if ' '.join(toks[i:i + 6]) in grams)
    return hits >= max(1, (len(toks) - 5) // 2)


def same_width(num, rng):
    return re.sub(r'\d', lambda m: str(rng.randint(1 if m.start() == 0 else 0, 9)), num)


def reroll(text, rng, counter_box=False):
    """Furniture's load-to-load churn; None when the text has none."""
    t = REL.sub(lambda m: re.sub(r'\d+', lambda d: str(rng.randint(1, 59)), m.group(1)) + m.group(2), text)
    t = COUNTER.sub(lambda m: same_width(m.group(1), rng) + m.group(2), t)
    m = LONE_NUMBER.match(t)
    if counter_box and m and len(m.group(1)) <= 7 and not YEAR.match(m.group(1)):
        t = t.replace(m.group(1), same_width(m.group(1), rng))
    return t if t != text else None


COUNTER_BOX = re.compile(r'views|viewcount|view-count|comment|shares|likes|hits|visits|reads', re.I)


def is_counter_box(el):
    """A lone number counts as a counter only inside an element whose class or id names a
    counter (not table cells, list numbering, links of a table of contents or prose)."""
    for e in [el, *el.iterancestors()][:3]:
        if not isinstance(e.tag, str):
            continue
        if e.tag in ('td', 'th', 'li', 'p'):
            return False
        if COUNTER_BOX.search((e.get('class') or '') + ' ' + (e.get('id') or '')):
            return True
    return False


def variant(raw, body, rng):
    try:
        doc = lhtml.document_fromstring(raw)
    except Exception:
        return None
    grams = body_ngrams(body)
    body_norm = norm(body)
    for el in doc.iter():
        if not isinstance(el.tag, str) or el.tag in SKIP_TAGS or any(
                isinstance(p.tag, str) and p.tag in SKIP_TAGS for p in el.iterancestors()):
            continue
        for attr in ('text', 'tail'):
            t = getattr(el, attr)
            if not t or not re.search(r'\d', t):
                continue
            stripped = norm(t)
            if len(stripped) < 3:
                continue
            if in_body(t, grams) or (len(stripped) >= 12 and stripped in body_norm):
                continue
            r = reroll(t, rng, is_counter_box(el) if attr == 'text' else False)
            if r is not None:
                setattr(el, attr, r)
    # shuffle list items outside the body (teasers, most-read)
    for ul in doc.iter('ul', 'ol'):
        items = [li for li in ul if li.tag == 'li']
        if len(items) < 3:
            continue
        txt = ' '.join(li.text_content() for li in items)
        if in_body(txt, grams):
            continue
        # only link lists (teasers, most read): most of each item's text is a link
        linked = sum(len(a.text_content()) for li in items for a in li.iter('a'))
        if linked < 0.8 * max(1, len(txt) - len(items)):
            continue
        rng.shuffle(items)
        for li in items:
            ul.remove(li)
        for li in items:
            ul.append(li)
    # ASCII with character references: right whatever charset the page declares
    return lhtml.tostring(doc, encoding='us-ascii', doctype='<!DOCTYPE html>')


def extract(binary, path, cfg, url):
    cmd = [binary, '--config', cfg, 'extract', path, '--format', 'json']
    if url:
        cmd += ['--url', url]
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=20)
        if p.returncode != 0:
            return None
        d = json.loads(p.stdout)
        return (d.get('title') or '', [norm(x) for x in d.get('body') or []])
    except Exception:
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('datasets', nargs='+')
    ap.add_argument('--bin', default=DEFAULT_BIN)
    ap.add_argument('--limit', type=int, default=0)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--json')
    a = ap.parse_args()
    tmp = tempfile.mkdtemp()
    cfg = os.path.join(tmp, 'c.toml')
    open(cfg, 'w').write(f'[storage]\npath = "{tmp}/db"\n')
    out = []
    for d in a.datasets:
        gt = json.load(open(os.path.join(d, 'ground-truth.json'), encoding='utf-8'))
        ids = sorted(gt)
        rng = random.Random(a.seed)
        if a.limit:
            ids = sorted(rng.sample(ids, min(a.limit, len(ids))))
        n = unstable = failed = title_flips = order_only = 0
        examples = []
        for pid in ids:
            p = os.path.join(d, 'html', pid + '.html.gz')
            if not os.path.exists(p):
                continue
            raw = gzip.open(p).read()
            body = gt[pid].get('articleBody') or ''
            url = gt[pid].get('url')
            res = []
            for k in range(2):
                v = variant(raw, body, random.Random(hash((a.seed, pid, k)) & 0xffffffff))
                if v is None:
                    break
                f = os.path.join(tmp, f'v{k}.html')
                open(f, 'wb').write(v)
                res.append(extract(a.bin, f, cfg, url))
            if len(res) < 2 or res[0] is None or res[1] is None:
                failed += 1
                continue
            n += 1
            if res[0] != res[1]:
                unstable += 1
                if res[0][0] != res[1][0]:
                    title_flips += 1
                a0, a1 = set(res[0][1]), set(res[1][1])
                order_only += a0 == a1 and res[0][0] == res[1][0]
                diff = sorted(a0 ^ a1, key=len)[:2]
                if len(examples) < 8:
                    examples.append({'page': pid, 'url': url, 'differing': [x[:140] for x in diff],
                                     'title': [res[0][0][:80], res[1][0][:80]] if res[0][0] != res[1][0] else None})
        row = {'dataset': os.path.basename(os.path.normpath(d)), 'pages': n, 'unstable': unstable,
               'unstable_share': round(unstable / n, 4) if n else None, 'title_flips': title_flips,
               'order_only': order_only,
               'failed': failed, 'examples': examples}
        out.append(row)
        print(f"{row['dataset']}: {unstable}/{n} pages unstable ({row['unstable_share']}; {order_only} by the order of "
              f"shuffled list items only), title flips {title_flips}, "
              f"failed {failed}")
        for e in examples[:5]:
            print('   ', e['page'], e['url'], '|', ' || '.join(e['differing']))
    if a.json:
        json.dump({'seed': a.seed, 'datasets': out}, open(a.json, 'w'), indent=1)


if __name__ == '__main__':
    main()
