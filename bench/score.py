#!/usr/bin/env python3
"""score.py CORPUS PMAGG_DB COLD_ACCESS_LOG WARM_ACCESS_LOG "WARM_WALL_S WARM_RSS_KB"

Scores one cold and one warm pmagg pass of bench/run.sh warm-check:
- classification against the corpus's truth.tsv: postmortems confirmed, per truth label;
- what the cold pass fetched besides the sources: article pages of postmortems, of hard
  negatives, and of plain posts (their links answer 404 on purpose: nobody should fetch them);
- whether the warm pass (nothing changed) sent only conditional requests and refetched no
  article.
The access logs are nginx's `timing` format from the shared harness's serve.sh.
"""
import re
import sqlite3
import sys
from collections import Counter
from urllib.parse import urlsplit

corpus, db, cold_log, warm_log, warm_time = sys.argv[1:6]

truth = {}  # path -> (kind, label)
with open(f"{corpus}/truth.tsv", encoding="utf-8") as f:
    next(f)
    for line in f:
        source, kind, label, title, url, *_ = line.rstrip("\n").split("\t")
        truth[urlsplit(url).path.rstrip("/")] = (kind, label)

con = sqlite3.connect(db)
confirmed = Counter()
unmatched = 0
for (url,) in con.execute(
    "SELECT e.url FROM postmortems p JOIN entries e ON e.id = p.entry_id WHERE p.is_postmortem = 1"
):
    hit = truth.get(urlsplit(url or "").path.rstrip("/"))
    if hit:
        confirmed[hit] += 1
    else:
        unmatched += 1
labels = Counter(truth.values())
print("classification (confirmed / in truth.tsv):")
for key in sorted(labels):
    print(f"  {key[0]:<10} {key[1]:<13} {confirmed[key]:>6} / {labels[key]}")
if unmatched:
    print(f"  confirmed postmortems with no truth row: {unmatched}")

LINE = re.compile(r'^\S+ (\S+) \S+ (\d{3}) \d+ "(\S+) (\S+)[^"]*" inm="([^"]*)" ims="([^"]*)"')


def requests(path):
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = LINE.match(line)
            if m:
                host, status, _method, target, inm, ims = m.groups()
                out.append((target.split("?")[0].rstrip("/"), int(status), inm not in ("", "-") or ims not in ("", "-")))
    return out


def is_source(path):
    return path.endswith(("/feed.xml", "/atom.xml", "/api/v2/incidents.json"))


cold = requests(cold_log)
fetched = Counter()
for path, status, _ in cold:
    if is_source(path):
        fetched["sources"] += 1
    else:
        kind_label = truth.get(path)
        fetched[kind_label[1] if kind_label else f"other ({status})"] += 1
print("cold pass requests: " + ", ".join(f"{k}={v}" for k, v in sorted(fetched.items())))
plain = fetched["regular"] + sum(v for k, v in fetched.items() if k.startswith("other (404"))
print(f"  plain posts fetched: {plain}; hard negatives fetched: {fetched['hard_negative']}")

warm = requests(warm_log)
statuses = Counter(s for _, s, _ in warm)
conditional = sum(1 for _, _, c in warm if c)
articles = sum(1 for p, _, _ in warm if not is_source(p))
wall, rss_kb = warm_time.split()
print(
    f"warm pass: {wall} s wall, {int(rss_kb) // 1024} MB peak RSS; {len(warm)} requests, "
    f"{conditional} conditional, statuses {dict(sorted(statuses.items()))}, articles refetched: {articles}"
)
