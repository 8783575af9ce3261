#!/usr/bin/env bash
# Samples smoke test: runs every sample (each checks its own results and exits non-zero if they are wrong),
# checks the SVG files they write, then publishes samples/AttentionGen.Sample with NativeAOT and runs it.
# Prints "samples - Failed: N, Passed: N, Skipped: N" (summed by .ci/run); exit code 0 unless a check failed.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_CLI_USE_MSBUILD_SERVER=0
out="$root/artifacts/samples"
rm -rf "$out"; mkdir -p "$out"

passed=0 failed=0 skipped=0
pass() { echo "  PASS $1"; passed=$((passed + 1)); }
fail() { echo "  FAIL $1"; failed=$((failed + 1)); }

run_sample() { # name, args...
  local name=$1; shift
  echo "=== dotnet run --project samples/$name -c Release $*"
  local log rc
  log=$(cd "$out" && dotnet run --project "$root/samples/$name" -c Release -- "$@" 2>&1); rc=$?
  sed 's/^/    /' <<<"$log"
  if [ "$rc" -eq 0 ]; then pass "$name"; else fail "$name exited with $rc"; fi
}

# An SVG must be well-formed XML with at least the expected number of a given element.
check_svg() { # file, element, minimum count
  local n
  if n=$(python3 -c 'import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "{http://www.w3.org/2000/svg}svg", root.tag
print(len(root.findall(".//{http://www.w3.org/2000/svg}" + sys.argv[2])))' "$1" "$2" 2>&1) && [ "$n" -ge "$3" ]; then
    pass "$(basename "$1"): well-formed SVG, $n <$2> elements"
  else
    fail "$(basename "$1"): expected a well-formed SVG with >= $3 <$2> elements ($n)"
  fi
}

run_sample AttentionGen.Sample
run_sample SentenceHeatmap "$out/attention-heatmap.svg"
check_svg "$out/attention-heatmap.svg" rect 37          # background + 6 x 6 cells
run_sample PriceSmoothing "$out/price-smoothing.svg"
check_svg "$out/price-smoothing.svg" path 3             # noisy, true, smoothed
run_sample TransformerEncoder

# ---- NativeAOT --------------------------------------------------------------------------------------------
rid=$(dotnet --info | sed -nE 's/^ *RID: +//p' | head -1)
aot="$root/artifacts/aot-sample"
echo "=== NativeAOT: dotnet publish samples/AttentionGen.Sample -c Release -r $rid (PublishAot, IlcInstructionSet from the csproj)"
# One publish command with its own restore: a separate `dotnet restore -r` does not restore what a publish needs.
start=$(date +%s)
rm -rf "$aot"
if ! dotnet publish "$root/samples/AttentionGen.Sample" -c Release -r "$rid" -o "$aot" -v:q -nologo -p:TreatWarningsAsErrors=true >"$out/aot-publish.log" 2>&1; then
  sed 's/^/    /' "$out/aot-publish.log" | tail -8
  if grep -qiE 'NU1[0-9]{3}.*ilcompiler|ilcompiler.*NU1[0-9]{3}' "$out/aot-publish.log"; then
    echo "  SKIP NativeAOT publish: the ILCompiler package for $rid could not be restored (see the NuGet error above)"
    skipped=$((skipped + 1))
  else
    fail "NativeAOT publish (trimming/AOT warnings are errors)"
  fi
elif [ ! -x "$aot/AttentionGen.Sample" ] || [ -f "$aot/AttentionGen.Sample.dll" ]; then
  fail "NativeAOT publish produced no native executable in $aot (PublishAot did not take)"
else
  echo "    published in $(( $(date +%s) - start )) s: $(du -h "$aot/AttentionGen.Sample" | cut -f1) $aot/AttentionGen.Sample"
  log=$("$aot/AttentionGen.Sample" 2>&1); rc=$?
  sed 's/^/    /' <<<"$log"
  if [ "$rc" -ne 0 ]; then
    fail "NativeAOT sample exited with $rc"
  elif [ "$(uname -m)" = x86_64 ] && grep -q ' avx2 ' /proc/cpuinfo && ! grep -qE 'vector path: Vector(256|512)' <<<"$log"; then
    fail "NativeAOT sample runs the scalar path on a CPU with AVX2: the IlcInstructionSet setting did not take"
  else
    pass "NativeAOT sample ($(grep -oE 'vector path: [A-Za-z0-9]+' <<<"$log"))"
  fi
fi

echo "samples - Failed: $failed, Passed: $passed, Skipped: $skipped"
[ "$failed" -eq 0 ]
