#!/usr/bin/env python3
"""Serve rebuild latency: time from the end of the debounce (the file event batch) to the reload
message, as `aimsbook serve` reports it, for body edits and title edits of one document.

Usage: benches/serve_latency.py AIMSBOOK_BIN CORPUS_DIR [--edits 20]
CORPUS_DIR is a plain aimsbook repository (e.g. from gen_corpus.py: corpus/plain). It is copied
to a temporary folder first; the original is not touched.
"""
import argparse, os, re, shutil, statistics, subprocess, sys, tempfile, threading, time

ap = argparse.ArgumentParser()
ap.add_argument("bin")
ap.add_argument("corpus")
ap.add_argument("--edits", type=int, default=20)
a = ap.parse_args()

work = tempfile.mkdtemp(prefix="aimsbook-serve-bench-")
src = os.path.join(work, "src")
shutil.copytree(a.corpus, src, ignore=shutil.ignore_patterns("public"))
docs = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(src) for f in fs if f.endswith(".md") and f != "soa.md")
target = docs[len(docs) // 2]

proc = subprocess.Popen([a.bin, "serve", src, "--port", "0", "--debounce", "20"],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
proc.stdout.readline()  # "serving … at http://…"
lines = []
cond = threading.Condition()

def pump():
    for line in proc.stderr:
        with cond:
            lines.append(line)
            cond.notify_all()

threading.Thread(target=pump, daemon=True).start()
RE = re.compile(r"rebuilt (\d+) pages? in ([0-9.]+) ms")

def edit_and_wait(change):
    with cond:
        start = len(lines)
    change()
    deadline = time.time() + 30
    with cond:
        while time.time() < deadline:
            for line in lines[start:]:
                m = RE.search(line)
                if m:
                    return int(m.group(1)), float(m.group(2))
            cond.wait(0.5)
    sys.exit("no rebuild reported within 30 s")

def body_edit(i):
    def change():
        with open(target, "a", encoding="utf-8") as f:
            f.write("\nEdit number %d of the body.\n" % i)
    return change

def title_edit(i):
    def change():
        text = open(target, encoding="utf-8").read()
        text = re.sub(r"^title: .*$", 'title: "Benchmark title %d"' % i, text, count=1, flags=re.M)
        open(target, "w", encoding="utf-8").write(text)
    return change

time.sleep(0.5)
results = {}
for name, make in [("body edit", body_edit), ("title edit", title_edit)]:
    times, pages = [], []
    for i in range(a.edits):
        p, ms = edit_and_wait(make(i))
        times.append(ms)
        pages.append(p)
        time.sleep(0.15)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    results[name] = (statistics.median(times), p95, statistics.median(pages))
proc.terminate()
proc.wait()
shutil.rmtree(work, ignore_errors=True)
print("| edit | median ms | p95 ms | pages re-rendered |")
print("| --- | --- | --- | --- |")
for name, (med, p95, pages) in results.items():
    print("| %s | %.1f | %.1f | %d |" % (name, med, p95, pages))
