# Runs every libFuzzer target of tests/fuzz/*.c briefly (FUZZ_CHECK_SECONDS,
# default 8 s each); `make fuzz` runs them longer. Seeds: tests/fuzz/corpus/NAME/.
. tests/lib/tap.sh
B=${B:-build}
secs=${FUZZ_CHECK_SECONDS:-8}
targets=$(ls tests/fuzz/*.c 2>/dev/null)
if [ -z "$targets" ]; then skip "fuzz" "aucune cible"; exit 0; fi
if ! command -v clang >/dev/null; then skip "fuzz" "clang absent"; exit 0; fi
if ! out=$(make -s B="$B" fuzz-build 2>&1); then
	fail "construction des cibles de fuzzing"; printf '%s\n' "$out" | tail -n 20 | sed 's/^/#   /'; exit 0
fi
for t in $targets; do
	n=$(basename "$t" .c)
	corpus="$TEST_TMP/corpus-$n"; mkdir -p "$corpus"
	seeds=""; [ -d "tests/fuzz/corpus/$n" ] && seeds="tests/fuzz/corpus/$n"
	if out=$(ASAN_OPTIONS=detect_leaks=1 "$B/fuzz/$n" -max_total_time="$secs" -rss_limit_mb=2048 \
		-artifact_prefix="$TEST_TMP/" "$corpus" $seeds 2>&1); then
		ok "fuzz $n (${secs} s sans défaut)"
	else
		fail "fuzz $n"; printf '%s\n' "$out" | grep -E 'ERROR|SUMMARY|artifact' | head -n 10 | sed 's/^/#   /'
	fi
done
