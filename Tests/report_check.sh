#!/usr/bin/env bash
# Opens a ConvScope HTML report in a real headless browser (Debian's chromium) and checks it:
#   1. a full-page screenshot is taken (SCREENSHOT.png, non-empty PNG);
#   2. the page logs nothing to the console (chromium --enable-logging=stderr: errors, failed loads;
#      the report has no scripts, so any console message is a problem);
#   3. every <img> loaded: a copy of the page with a small probe script appended reports, after
#      the load event, how many images have naturalWidth 0; the probe is never added to the report;
#   4. the report itself needs nothing from outside: no <script>, no http(s) or file references,
#      every <img> is a data:image/png;base64 URI that decodes to a PNG.
# Usage: Tests/report_check.sh REPORT.html SCREENSHOT.png   (exit 0 = all checks passed)
#        Tests/report_check.sh --page PAGE.html SCREENSHOT.png DOM.html [QUERY]
#   A model page (inspect --html): the same checks, except that its own inline scripts are allowed (still no
#   <script src>, nothing from outside) and it need not hold images; the page is opened as PAGE.html?q=QUERY,
#   the DOM after its load (the page's script has run) is written to DOM.html, and the open's wall time printed.
set -euo pipefail
page=0; dom=""; query=""
if [ "${1:-}" = "--page" ]; then page=1; shift; dom="$3"; query="${4:-}"; fi
report="$1"; shot="$2"
[ -f "$report" ] || { echo "report_check: no such file $report" >&2; exit 2; }
browser="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
[ -n "$browser" ] || { echo "report_check: chromium not found (apt-get install chromium, or run scripts/test.sh)" >&2; exit 2; }
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
flags=(--headless --disable-gpu --no-sandbox --no-first-run --disable-extensions --hide-scrollbars
       --user-data-dir="$work/profile" --virtual-time-budget=5000)
abs="$(cd "$(dirname "$report")" && pwd)/$(basename "$report")"
suffix=""; [ -n "$query" ] && suffix="?q=$(printf '%s' "$query" | od -An -tx1 | tr -d ' \n' | sed 's/../%&/g')"
fail=0

# 1. Screenshot.
rm -f "$shot"
"$browser" "${flags[@]}" --screenshot="$shot" --window-size=1280,"$([ "$page" = 1 ] && echo 900 || echo 4000)" "file://$abs$suffix" >"$work/shot.log" 2>&1 || true
if [ ! -s "$shot" ] || [ "$(head -c 8 "$shot" | od -An -tx1 | tr -d ' \n' || true)" != "89504e470d0a1a0a" ]; then
  echo "report_check: no screenshot written" >&2; cat "$work/shot.log" >&2; fail=1
fi

# 2 + 3. Console errors and image loading, from a probed copy of the page.
probe="$work/probe.html"
sed 's#</body>#<script>window.addEventListener("load",function(){var im=[].slice.call(document.images);var bad=im.filter(function(i){return !(i.complete\&\&i.naturalWidth>0)});document.body.setAttribute("data-images",im.length);document.body.setAttribute("data-broken",bad.length);document.body.setAttribute("data-min-width",Math.min.apply(null,im.map(function(i){return i.naturalWidth}).concat([1e9])))});</script></body>#' "$abs" > "$probe"
# A model page is opened without virtual time, so the printed wall time is a real open (browser start included).
dom_flags=("${flags[@]}"); [ "$page" = 1 ] && unset 'dom_flags[${#dom_flags[@]}-1]'
start=$(date +%s%N)
"$browser" "${dom_flags[@]}" --enable-logging=stderr --v=0 --dump-dom "file://$probe$suffix" >"$work/dom.html" 2>"$work/console.log" || true
open_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ -n "$dom" ] && cp "$work/dom.html" "$dom"
if grep -E ":CONSOLE[:(]|Uncaught" "$work/console.log" >"$work/errors.txt"; then
  echo "report_check: console errors:" >&2; cat "$work/errors.txt" >&2; fail=1
fi
images=$(grep -o 'data-images="[0-9]*"' "$work/dom.html" | grep -o '[0-9]*' || true)
broken=$(grep -o 'data-broken="[0-9]*"' "$work/dom.html" | grep -o '[0-9]*' || true)
if [ -z "$images" ] || [ -z "$broken" ]; then
  echo "report_check: the page did not finish loading in the browser" >&2; fail=1
elif [ "$broken" != 0 ] || { [ "$images" = 0 ] && [ "$page" = 0 ]; }; then
  echo "report_check: $broken of $images images did not load (naturalWidth 0)" >&2; fail=1
fi

# 4. Self-contained: every image an embedded PNG, no scripts (a model page: only its own inline ones), no outside references.
scripts='<script'; [ "$page" = 1 ] && scripts='<script[^>]* src='
if grep -qiE "$scripts"'|<link|src="(https?|file):|href="(https?|file):|url\((https?|file):' "$abs"; then
  echo "report_check: the report references outside resources or scripts" >&2; fail=1
fi
{ grep -o '<img [^>]*>' "$abs" || true; } | sed -E 's/.*src="([^"]*)".*/\1/' > "$work/srcs.txt"
n=0
while IFS= read -r src; do
  n=$((n + 1))
  case "$src" in
    data:image/png\;base64,*) ;;
    *) echo "report_check: image $n is not an embedded PNG: ${src:0:60}" >&2; fail=1; continue ;;
  esac
  printf '%s' "${src#data:image/png;base64,}" | base64 -d > "$work/img.png" 2>/dev/null || true
  magic=$(head -c 8 "$work/img.png" | od -An -tx1 | tr -d ' \n')
  [ "$magic" = "89504e470d0a1a0a" ] || { echo "report_check: image $n does not decode as PNG" >&2; fail=1; }
done < "$work/srcs.txt"

if [ "$fail" = 0 ]; then
  minw=$(grep -o 'data-min-width="[0-9]*"' "$work/dom.html" | grep -o '[0-9]*' || true)
  loaded="$images images loaded (smallest natural width $minw px)"; [ "$images" = 0 ] && loaded="no images"
  echo "report_check: ok: screenshot $shot, $loaded, no console errors, $n embedded PNGs, no outside resources; opened with --dump-dom in $open_ms ms"
fi
exit "$fail"
