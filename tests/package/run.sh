#!/usr/bin/env bash
# Package test: packs AttentionGen into a local folder, then builds and runs a consumer that takes it with a
# PackageReference from that folder only, for net8.0 and net10.0, the way a user's project does. Also checks
# the package's layout and that buildTransitive/AttentionGen.targets stops an old compiler with a clear error.
# Prints "package tests - Failed: N, Passed: N" (summed by .ci/run); exit code 0 only if every check passed.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_CLI_USE_MSBUILD_SERVER=0

work="$root/artifacts/package-test"
feed="$work/feed"
# A packages folder of its own, so the consumer always restores the AttentionGen just packed, never a stale
# copy of the same version from the global cache. Other packages persist here between runs (and come from the
# HTTP cache the first time), so only AttentionGen is extracted anew.
export NUGET_PACKAGES="$work/nuget-packages"
rm -rf "$feed" "$work/consumer" "$NUGET_PACKAGES/attentiongen"
mkdir -p "$feed" "$NUGET_PACKAGES"

passed=0 failed=0
pass() { echo "  PASS $1"; passed=$((passed + 1)); }
fail() { echo "  FAIL $1"; failed=$((failed + 1)); }
finish() {
  echo "package tests - Failed: $failed, Passed: $passed, Skipped: 0"
  [ "$failed" -eq 0 ]
  exit
}

echo "=== package test: dotnet pack runtime/AttentionGen.csproj -> $feed"
if ! dotnet pack "$root/runtime/AttentionGen.csproj" -c Release -o "$feed" -v:q -nologo; then
  fail "dotnet pack"; finish
fi
nupkg=$(ls "$feed"/AttentionGen.*.nupkg 2>/dev/null | grep -v '\.symbols\.' | head -1)
if [ -z "$nupkg" ]; then fail "dotnet pack produced no AttentionGen.*.nupkg in $feed"; finish; fi
version=$(basename "$nupkg" .nupkg); version=${version#AttentionGen.}
pass "packed $(basename "$nupkg")"

# ---- layout -------------------------------------------------------------------------------------------------
listing=$(python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$nupkg")
missing=""
for entry in lib/net8.0/AttentionGen.dll lib/net10.0/AttentionGen.dll lib/net8.0/AttentionGen.xml \
             analyzers/dotnet/cs/AttentionGen.Generator.dll buildTransitive/AttentionGen.targets README.md; do
  grep -qx "$entry" <<<"$listing" || missing="$missing $entry"
done
# The generator must not leak into lib/ (a user would reference it) and there must be no package dependency on it.
grep -q '^lib/.*Generator' <<<"$listing" && missing="$missing (lib/ holds the generator)"
nuspec=$(python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(z.read("AttentionGen.nuspec").decode("utf-8-sig"))' "$nupkg")
grep -q '<license type="expression">MIT</license>' <<<"$nuspec" || missing="$missing license-expression-MIT"
grep -q '<readme>README.md</readme>' <<<"$nuspec" || missing="$missing readme"
grep -q '<description>' <<<"$nuspec" || missing="$missing description"
grep -q '<tags>' <<<"$nuspec" || missing="$missing tags"
grep -qi 'id="AttentionGen.Generator"' <<<"$nuspec" && missing="$missing (depends on AttentionGen.Generator)"
[ -f "$feed/AttentionGen.$version.snupkg" ] || missing="$missing AttentionGen.$version.snupkg"
if [ -z "$missing" ]; then pass "package layout and metadata"; else fail "package layout and metadata: missing or wrong:$missing"; fi

# ---- the consumer, outside the repository so none of its Directory.Build.props apply ----------------------
consumer="$work/consumer"
mkdir -p "$consumer"
cp "$root/tests/package/consumer/Consumer.csproj" "$root/tests/package/consumer/Program.cs" "$consumer/"
# Stop MSBuild's walk up to the repository's Directory.Build.props/targets.
echo '<Project />' > "$consumer/Directory.Build.props"
echo '<Project />' > "$consumer/Directory.Build.targets"
# nuget.config: the machine's sources stay (for System.Numerics.Tensors, the .NET 8 runtime pack), plus the local
# folder; package source mapping makes AttentionGen come from the local folder and nowhere else.
sources=$(dotnet nuget list source --format short 2>/dev/null | awk '$1 == "E" {print $2}')
{
  echo '<?xml version="1.0" encoding="utf-8"?>'
  echo '<configuration>'
  echo '  <packageSources>'
  echo "    <add key=\"attentiongen-local\" value=\"$feed\" />"
  echo '  </packageSources>'
  echo '  <packageSourceMapping>'
  echo '    <packageSource key="attentiongen-local"><package pattern="AttentionGen" /></packageSource>'
  dotnet nuget list source 2>/dev/null | sed -nE 's/^ *[0-9]+\. +(.*) \[Enabled\]$/\1/p' | while read -r key; do
    echo "    <packageSource key=\"$key\"><package pattern=\"*\" /></packageSource>"
  done
  echo '  </packageSourceMapping>'
  echo '</configuration>'
} > "$consumer/nuget.config"
[ -n "$sources" ] || echo "  note: no enabled NuGet source besides the local folder was found"

selfcontained=true
echo "=== package test: restore + build the consumer (net8.0 self-contained, net10.0) against AttentionGen $version"
if ! (cd "$consumer" && dotnet restore -p:AttentionGenVersion="$version" -v:q -nologo); then
  # Only the runtime pack for a self-contained net8.0 build can be missing here; the test still runs the
  # net8.0 build (its net8.0 library, its generated code at C# 12) on the installed runtime.
  echo "  note: the .NET 8 runtime pack could not be restored; the net8.0 consumer runs framework-dependent on the"
  echo "        installed runtime with DOTNET_ROLL_FORWARD=Major instead of on .NET 8 itself"
  selfcontained=false
  if ! (cd "$consumer" && dotnet restore -p:AttentionGenVersion="$version" -p:AGConsumerSelfContained=false -v:q -nologo); then
    fail "restore of the consumer (AttentionGen $version from $feed)"; finish
  fi
fi
if (cd "$consumer" && dotnet build -c Release --no-restore -p:AttentionGenVersion="$version" -p:AGConsumerSelfContained=$selfcontained -v:q -nologo); then
  pass "consumer builds for net8.0 and net10.0 with PackageReference AttentionGen $version"
else
  fail "consumer build"; finish
fi
# The package really came from the local folder.
if grep -q "attentiongen-local\|$feed" "$NUGET_PACKAGES/attentiongen/$version/.nupkg.metadata" 2>/dev/null; then
  pass "AttentionGen restored from the local folder"
else
  fail "AttentionGen $version was not restored from $feed ($(cat "$NUGET_PACKAGES/attentiongen/$version/.nupkg.metadata" 2>/dev/null))"
fi

run_consumer() { # tfm, expected runtime prefix, command...
  local tfm=$1 expect=$2; shift 2
  local out rc
  out=$("$@" 2>&1); rc=$?
  sed 's/^/    /' <<<"$out"
  if [ "$rc" -ne 0 ]; then fail "$tfm consumer exited with $rc"
  elif ! grep -q "^runtime: $expect" <<<"$out"; then fail "$tfm consumer ran on the wrong runtime (expected '$expect')"
  else pass "$tfm consumer output matches the float64 references"; fi
}
if [ "$selfcontained" = true ]; then
  run_consumer net8.0 ".NET 8." "$consumer/bin/Release/net8.0/$(dotnet --info | sed -nE 's/^ *RID: +//p' | head -1)/Consumer"
else
  run_consumer net8.0 ".NET " env DOTNET_ROLL_FORWARD=Major dotnet "$consumer/bin/Release/net8.0/Consumer.dll"
fi
run_consumer net10.0 ".NET 10." dotnet "$consumer/bin/Release/net10.0/Consumer.dll"

# ---- buildTransitive/AttentionGen.targets against an old compiler -------------------------------------------
# A copy of the SDK's Roslyn folder (symlinks) whose Microsoft.Build.Tasks.CodeAnalysis.dll is an assembly of
# version 2.1 (netstandard.dll from the reference pack): the check must stop the build with AGBUILD001, naming
# the SDK to install, before the compiler would warn CS8032.
roslyn=$(cd "$consumer" && dotnet msbuild Consumer.csproj -getProperty:RoslynTargetsPath -p:TargetFramework=net10.0 -p:AttentionGenVersion="$version" 2>/dev/null | tail -1)
old=$(ls /usr/share/dotnet/packs/Microsoft.NETCore.App.Ref/*/ref/net*/netstandard.dll "$(dirname "$(command -v dotnet)")"/packs/Microsoft.NETCore.App.Ref/*/ref/net*/netstandard.dll 2>/dev/null | head -1)
if [ -d "$roslyn" ] && [ -f "$old" ]; then
  fake="$work/old-roslyn"
  rm -rf "$fake"; mkdir -p "$fake"
  for f in "$roslyn"/*; do ln -s "$f" "$fake/$(basename "$f")"; done
  rm -f "$fake/Microsoft.Build.Tasks.CodeAnalysis.dll"; cp "$old" "$fake/Microsoft.Build.Tasks.CodeAnalysis.dll"
  out=$(cd "$consumer" && dotnet build -c Release -f net10.0 --no-restore -p:AttentionGenVersion="$version" \
        -p:CSharpCoreTargetsPath="$fake/Microsoft.CSharp.Core.targets" -nologo 2>&1); rc=$?
  if [ "$rc" -ne 0 ] && grep -q "error AGBUILD001: AttentionGen needs the C# compiler of the .NET 8 SDK or newer (Roslyn 4.8+), but this build uses Roslyn 2.1" <<<"$out" \
     && ! grep -q ": warning CS8032" <<<"$out"; then
    pass "an old compiler stops the build with AGBUILD001 naming the .NET 8 SDK"
  else
    grep -E "error|warning" <<<"$out" | sed 's/^/    /' | head -10
    fail "old-compiler check (exit $rc; expected error AGBUILD001)"
  fi
else
  fail "old-compiler check: could not find the SDK's Roslyn folder ('$roslyn') or a netstandard.dll ('$old')"
fi

finish
