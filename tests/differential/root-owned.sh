# tests/differential/root-owned.sh - the root-owned mode of ./run
# shellcheck shell=bash disable=SC2154
#
# Sourced by run (never run alone) for --record-root-owned (as root:
# record_root_owned) and --root-owned (as the unprivileged user:
# check_root_owned); see run's header.  Uses run's variables (here, R, S,
# scenarios, sdir_of, veneer, timeout_s, selfcheck, PY, envv, enter) and
# helpers (set_envv, snapshot_owned, show_diff, record_difference,
# show_file).
#
# FIXTURES/differential-root (R), made by root, read by the user:
#   bin/            the scripts as the native side ran them: lib.sh,
#                   treedump.py, fixture.sh, root-fixture.sh,
#                   scenarios/NAME.sh (of scenarios/ and scenarios-root/)
#   L/vtdata        the lower (root-fixture.sh), never written after
#   L.snap          its snapshot_owned, equal as root and as the user
#   env             the scenarios' environment and start command
#   manifest        user=, uid=, gid= of the user it was checked for
#                   (who must see L as root does: any user can read L)
#   native/NAME.rc .out .err .dump   the native run's records
#   native/NAME.problem              why NAME could not be recorded
#   setup-failed    why the set-up failed (then nothing else counts)
#   complete        written last

# --------------------------------------------------------------- record

# record_fail WHY: the set-up failed; the user's runs report WHY
record_fail() {
	echo "$*" >"$R/setup-failed"
	chmod 0644 "$R/setup-failed"
	echo "differential: root set-up failed: $*" >&2
	return 1
}

# native_run COPY OUTPREFIX: run scenario $script natively as root on
# COPY/vtdata (a fresh cp -a of L); OUTPREFIX.out .err .rc .dump .dumperr
native_run() {
	local copy=$1 o=$2 rc
	(
		cd "$copy/vtdata" &&
			exec timeout -k 5 "$timeout_s" env -i "${envv[@]}" ROOT="$copy/vtdata" \
				bash -c "$enter" "$script"
	) </dev/null >"$o.out" 2>"$o.err"
	rc=$?
	echo "$rc" >"$o.rc"
	"$PY" "$R/bin/treedump.py" --owners --old-before "$cutoff" "$copy/vtdata" \
		>"$o.dump" 2>"$o.dumperr"
	echo $? >"$o.dumprc"
	return 0
}

record_root_owned() {
	local user=${VENEER_TEST_USER:-veneer-test} uid gid name d W N o why secs
	local recorded=0 problems=0 t0
	t0=$(date +%s)
	if [ "$(id -u)" != 0 ]; then
		echo "differential: --record-root-owned must run as root" >&2
		return 2
	fi
	if ! uid=$(id -u "$user" 2>/dev/null) || ! gid=$(id -g "$user"); then
		echo "differential: no user $user to make the root-owned fixture for" \
			"(set VENEER_TEST_USER)" >&2
		return 2
	fi
	if [ -e "$R" ]; then
		chmod -R u+rwx "$R" 2>/dev/null
		rm -rf "$R"
	fi
	mkdir -p "$R/bin/scenarios" "$R/native" || return 2
	chmod 0755 "$R" "$R/bin" "$R/bin/scenarios" "$R/native"

	cp "$here/treedump.py" "$here/lib.sh" "$here/fixture.sh" "$here/root-fixture.sh" "$R/bin/"
	for name in "${scenarios[@]}"; do
		cp "$here/${sdir_of[$name]}/$name.sh" "$R/bin/scenarios/"
	done
	chmod -R a+rX "$R/bin"
	set_envv "$R/bin"
	{
		printf '%s\n' "${envv[@]}"
		printf 'enter=%s\n' "$enter"
	} >"$R/env"
	printf 'user=%s\nuid=%s\ngid=%s\n' "$user" "$uid" "$gid" >"$R/manifest"
	chmod 0644 "$R/env" "$R/manifest"

	# older than this: a time the scenario kept; newer: "new"
	cutoff=$(date +%s)
	if ! bash "$R/bin/root-fixture.sh" "$R/L" >"$S/fixture.log" 2>&1; then
		record_fail "root-fixture.sh failed: $(tail -n 5 "$S/fixture.log" | tr '\n' ' ')"
		return 1
	fi
	snapshot_owned "$R/L" >"$R/L.snap" 2>"$S/snap.err" || {
		record_fail "cannot snapshot $R/L: $(head -n 3 "$S/snap.err" | tr '\n' ' ')"
		return 1
	}
	chmod 0644 "$R/L.snap"
	# the user must read all of it, and see it as root does
	(cd / && runuser -u "$user" -- bash -c "$(declare -f snapshot_owned); snapshot_owned '$R/L'") \
		>"$S/user.snap" 2>"$S/user.snap.err"
	if ! cmp -s "$R/L.snap" "$S/user.snap" || [ -s "$S/user.snap.err" ]; then
		record_fail "$user does not see $R/L as root does (unreadable objects?): $(
			{ cat "$S/user.snap.err"; diff "$R/L.snap" "$S/user.snap"; } | head -n 5 | tr '\n' ' ')"
		return 1
	fi
	echo "differential: the root-owned lower is $R/L (checked readable by $user)," \
		"set up in $(($(date +%s) - t0))s"

	for name in "${scenarios[@]}"; do
		script=$R/bin/scenarios/$name.sh
		W=$S/work/$name
		mkdir -p "$W"
		secs=$(date +%s)
		N=$W/N
		cp -a "$R/L" "$N" || {
			record_fail "cp -a of the lower failed"
			return 1
		}
		o=$R/native/$name
		native_run "$N" "$o"
		why=()
		if [ "$(cat "$o.rc")" -eq 124 ] || [ "$(cat "$o.rc")" -eq 137 ]; then
			why+=("the native run timed out after ${timeout_s}s")
		fi
		if [ "$(cat "$o.dumprc")" -ne 0 ] || [ -s "$o.dumperr" ]; then
			why+=("the native dump failed: $(head -n 3 "$o.dumperr" | tr '\n' ' ')")
		fi
		rm -f "$o.dumprc" "$o.dumperr"
		if [ "$selfcheck" = 1 ]; then
			sleep 1
			N2=$W/second-native-copy
			cp -a "$R/L" "$N2" || return 2
			native_run "$N2" "$W/again"
			for d in rc out err dump; do
				cmp -s "$o.$d" "$W/again.$d" ||
					why+=("not deterministic: $d differs between two native runs")
			done
			if [ "$(cat "$W/again.dumprc")" -ne 0 ] || [ -s "$W/again.dumperr" ]; then
				why+=("the second native dump failed")
			fi
		fi
		secs=$(($(date +%s) - secs))
		if [ ${#why[@]} -eq 0 ]; then
			echo "recorded - $name (exit $(cat "$o.rc"), ${secs}s)"
			recorded=$((recorded + 1))
		else
			printf '%s\n' "${why[@]}" >"$o.problem"
			echo "not recorded - $name ($(printf '%s; ' "${why[@]}" | sed 's/; $//'), ${secs}s)"
			if [ "$selfcheck" = 1 ]; then
				for d in out err dump; do
					cmp -s "$o.$d" "$W/again.$d" || show_diff "$d" "$o.$d" "$W/again.$d"
				done
			fi
			problems=$((problems + 1))
		fi
		chmod -R u+rwx "$W" 2>/dev/null
		rm -rf "$W"
	done
	chmod -R a+rX "$R/native"
	date -u +%s >"$R/complete"
	chmod 0644 "$R/complete"
	echo "differential: recorded $recorded, not recorded $problems, in $(($(date +%s) - t0))s"
	[ "$problems" -eq 0 ]
}

# ---------------------------------------------------------------- check

# root_owned_ready: the records exist, are for us, and are this tree's
root_owned_ready() {
	local name f stale=()
	if [ ! -d "$R" ]; then
		echo "differential: no $R: run tests/root-setup/differential-root.sh" \
			"$(dirname "$R") as root first" >&2
		return 2
	fi
	if [ -f "$R/setup-failed" ]; then
		echo "differential: the root set-up of $R failed: $(cat "$R/setup-failed")" >&2
		return 2
	fi
	if [ ! -f "$R/complete" ]; then
		echo "differential: $R is incomplete (the root set-up did not finish)" >&2
		return 2
	fi
	if [ "$(id -u)" = 0 ]; then
		echo "differential: --root-owned is for an unprivileged user (root's veneer" \
			"maps every id): run it as $(sed -n 's/^user=//p' "$R/manifest")" >&2
		return 2
	fi
	for f in treedump.py lib.sh fixture.sh root-fixture.sh; do
		cmp -s "$here/$f" "$R/bin/$f" || stale+=("$f")
	done
	for name in "${scenarios[@]}"; do
		# a scenario recorded from other text is stale; one never
		# recorded fails alone ("no native record")
		if [ -f "$R/bin/scenarios/$name.sh" ] &&
			! cmp -s "$here/${sdir_of[$name]}/$name.sh" "$R/bin/scenarios/$name.sh"; then
			stale+=("$name.sh")
		fi
	done
	set_envv "$R/bin"
	if ! { printf '%s\n' "${envv[@]}"; printf 'enter=%s\n' "$enter"; } | cmp -s - "$R/env"; then
		stale+=("the scenarios' environment")
	fi
	if [ ${#stale[@]} -gt 0 ]; then
		echo "differential: $R was recorded from other scripts than this tree's" \
			"(${stale[*]}): run tests/root-setup/differential-root.sh" \
			"$(dirname "$R") as root again" >&2
		return 2
	fi
	if ! snapshot_owned "$R/L" >"$S/L.snap" 2>"$S/L.snap.err" || ! cmp -s "$R/L.snap" "$S/L.snap"; then
		echo "differential: $R/L is not as recorded (changed since, or unreadable):" >&2
		{ cat "$S/L.snap.err"; diff "$R/L.snap" "$S/L.snap"; } | head -n 20 | sed 's/^/    /' >&2
		return 2
	fi
	return 0
}

check_root_owned() {
	local name script W U L=$R/L n nrc vrc vdrc start secs report differences known known_why
	local passed=0 failed=0 failed_names=() why reasons kept r
	root_owned_ready || return $?
	cutoff=$(date +%s)
	for name in "${scenarios[@]}"; do
		script=$R/bin/scenarios/$name.sh
		n=$R/native/$name
		W=$S/work/$name
		U=$W/U
		mkdir -p "$W"
		start=$(date +%s)
		why=()
		report=$W/report
		differences=$W/differences
		: >"$report"
		: >"$differences"

		if [ ! -f "$n.rc" ] || [ ! -f "$R/bin/scenarios/$name.sh" ]; then
			why+=("no native record: run tests/root-setup/differential-root.sh again")
		elif [ -f "$n.problem" ]; then
			why+=("the native run could not be recorded: $(tr '\n' ' ' <"$n.problem")")
		else
			# -------------------------------------------- veneer
			# veneer makes the upper (0700, the union root shown as the lower's)
			timeout -k 5 "$timeout_s" "$veneer" run --ids presented --lower "$L" --lower / \
				--upper "$U" --chdir /vtdata -- env -i "${envv[@]}" ROOT=/vtdata \
				bash -c "$enter" "$script" </dev/null >"$W/veneer.out" 2>"$W/veneer.err"
			vrc=$?
			timeout -k 5 "$timeout_s" "$veneer" run --ids presented --lower "$L" --lower / \
				--upper "$U" -- "$PY" "$R/bin/treedump.py" --owners --old-before "$cutoff" \
				/vtdata </dev/null >"$W/veneer.dump" 2>"$W/veneer.dump.err"
			vdrc=$?

			# ------------------------------------------- compare
			nrc=$(cat "$n.rc")
			if [ "$nrc" -ne "$vrc" ]; then
				if [ "$vrc" -eq 124 ] || [ "$vrc" -eq 137 ]; then
					why+=("veneer run timed out after ${timeout_s}s")
				else
					why+=("exit $nrc native, $vrc veneer")
					echo "=== exit $nrc native, $vrc veneer" >>"$differences"
				fi
			fi
			for part in out err; do
				if ! cmp -s "$n.$part" "$W/veneer.$part"; then
					why+=("std$part differs")
					show_diff "std$part" "$n.$part" "$W/veneer.$part" >>"$report"
					record_difference "std$part" "$n.$part" "$W/veneer.$part" >>"$differences"
				fi
			done
			if [ "$vdrc" -ne 0 ] || [ -s "$W/veneer.dump.err" ]; then
				why+=("veneer dump run exited $vdrc")
				show_file "veneer treedump stderr" "$W/veneer.dump.err" >>"$report"
			fi
			if ! cmp -s "$n.dump" "$W/veneer.dump"; then
				why+=("tree differs")
				show_diff "tree" "$n.dump" "$W/veneer.dump" >>"$report"
				record_difference "tree" "$n.dump" "$W/veneer.dump" >>"$differences"
			fi
		fi
		snapshot_owned "$L" >"$W/L.snap" 2>/dev/null
		if ! cmp -s "$R/L.snap" "$W/L.snap"; then
			why+=("THE LOWER CHANGED")
			echo "    --- the lower: diff -u recorded now (first 40 lines)" >>"$report"
			diff -u "$R/L.snap" "$W/L.snap" | head -n 40 | sed 's/^/    | /' >>"$report"
		fi

		# a known difference: known/root-owned/NAME.diff, else
		# known/NAME.diff (as in the plain mode)
		known=$here/known/root-owned/$name.diff
		[ -f "$known" ] || known=$here/known/$name.diff
		known_why=''
		if [ -f "$known" ]; then
			r=${known#"$here/"}
			if [ ${#why[@]} -eq 0 ]; then
				why+=("the known difference is gone: remove $r")
			elif [ -s "$differences" ] && [[ "${why[*]}" != *"LOWER CHANGED"* ]] &&
				grep -v '^#' "$known" | cmp -s - "$differences"; then
				known_why=$(sed -n 's/^# \{0,1\}//p' "$known" | head -n 1)
				why=()
			else
				why+=("not the known difference of $r")
				echo "    --- $r: diff -u known now (first 40 lines)" >>"$report"
				grep -v '^#' "$known" | diff -u --label known --label now - "$differences" |
					head -n 40 | sed 's/^/    | /' >>"$report"
			fi
		fi

		secs=$(($(date +%s) - start))
		if [ ${#why[@]} -eq 0 ]; then
			echo "ok - $name (${known_why:+known difference: $known_why; }${secs}s)"
			passed=$((passed + 1))
		else
			reasons=$(printf '%s; ' "${why[@]}")
			echo "not ok - $name (${reasons%; }, ${secs}s)"
			cat "$report"
			failed=$((failed + 1))
			failed_names+=("$name")
			if [ "${VENEER_DIFF_KEEP:-0}" = 1 ]; then
				kept=${TMPDIR:-/tmp}/veneer-diff-failed-$name.$$
				chmod -R u+rwx "$W" 2>/dev/null
				# the native records too; L and the scripts are in $R
				mv "$W" "$kept" && cp "$n".* "$kept/" 2>/dev/null
				echo "    (kept in $kept: U, outputs, dumps, native.*; L and bin in $R)"
			fi
		fi
		chmod -R u+rwx "$W" 2>/dev/null
		rm -rf "$W"
		if [[ "${why[*]}" == *"LOWER CHANGED"* ]]; then
			echo "differential: the root-owned lower changed: the records no longer" \
				"apply, stopping (run the root set-up again)" >&2
			break
		fi
	done

	if [ "$failed" -gt 0 ]; then
		echo "failed: ${failed_names[*]}"
	fi
	echo "differential: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
