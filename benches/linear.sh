#!/usr/bin/env bash
# Times `aimsbook check` on the hostile shapes of issue 16, at the sizes the issue names: a
# 20,000-item frontmatter list, a 100,000-row register and 300,000 references on one line.
# Usage: benches/linear.sh [BIN]   (default target/release/aimsbook; results on stdout)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release/aimsbook}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import os, sys
w = sys.argv[1]
def repo(name, file, text, toml='build_date = 2026-06-30\n'):
    d = os.path.join(w, name)
    os.makedirs(os.path.dirname(os.path.join(d, file)), exist_ok=True)
    open(os.path.join(d, file), 'w').write(text)
    open(os.path.join(d, 'aims.toml'), 'w').write(toml)
repo('list-20000', 'doc.md', '---\nid: D1\ntitle: T\ntype: policy\ntags:\n' + ''.join(f'  - tag{i}\n' for i in range(20000)) + '---\nBody\n')
repo('register-100000', 'registers/risks.csv',
     'id,title,likelihood,impact,treatment,risk_owner\n' + ''.join(f'R-{i},Risk {i},3,4,mitigate,CRO\n' for i in range(100000)),
     'build_date = 2026-06-30\n[registers]\n"risks.csv" = "risk"\n')
repo('references-300000', 'p.md', '---\nid: P1\ntitle: T\ntype: policy\n---\n' + ' '.join(['[[P1]]'] * 300000) + '\n')
PY
printf '| shape | file size | check wall (s) | peak RSS (MB) |\n| --- | ---: | ---: | ---: |\n'
for d in list-20000 register-100000 references-300000; do
  size=$(du -sb "$work/$d" | cut -f1)
  /usr/bin/time -o "$work/time" -f '%e %M' "$BIN" check "$work/$d" >/dev/null 2>&1 || true
  out=$(tail -1 "$work/time")
  printf '| %s | %s KB | %s | %s |\n' "$d" $((size / 1024)) "${out% *}" $(( ${out#* } / 1000 ))
done
