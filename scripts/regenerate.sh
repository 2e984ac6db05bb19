#!/usr/bin/env bash
# Rewrites the files derived from api-spec/: COVERAGE.md and the area features between
# `# BEGIN areas` and `# END areas` in dingtalk-api/Cargo.toml. Run after adding a spec file.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run -q -p dingtalk-codegen -- coverage >api-spec/COVERAGE.md.new 2>/dev/null
mv api-spec/COVERAGE.md.new api-spec/COVERAGE.md
features=$(cargo run -q -p dingtalk-codegen -- features 2>/dev/null)
FEATURES="$features" python3 - <<'PY'
import os, re
path = "dingtalk-api/Cargo.toml"
text = open(path).read()
block = "# BEGIN areas\n" + os.environ["FEATURES"].rstrip("\n") + "\n# END areas"
new, count = re.subn(r"# BEGIN areas\n.*?# END areas", lambda _: block, text, flags=re.S)
if count != 1:
    raise SystemExit(f"{path}: expected one `# BEGIN areas` ... `# END areas` block")
open(path, "w").write(new)
PY
echo "regenerated api-spec/COVERAGE.md and the area features of dingtalk-api/Cargo.toml"
