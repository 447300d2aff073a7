# cdp.sh: headless Chromium for the shell tests, through tests/lib/cdp.py.
# Needs tap.sh and $TAP_TMPDIR.
#   cdp_find            sets $CHROMIUM (empty when there is none)
#   cdp_start [WxH]     starts the browser driver (stopped at exit)
#   cdp COMMAND         one command (open URL, eval JS, wait S JS, shot PATH,
#                       quit), its answer line in $CDP
#   dom_is DESC JS WANT a check: JS's value equals WANT (JSON) within 15 s
cdp_find() { CHROMIUM=$(command -v chromium || command -v chromium-browser || true); }

cdp_start() {
  mkfifo "$TAP_TMPDIR/cdp.in" "$TAP_TMPDIR/cdp.out" || tap_bail "mkfifo"
  python3 "$BONES_TEST_SRCDIR/tests/lib/cdp.py" "$CHROMIUM" "${1:-1280x900}" <"$TAP_TMPDIR/cdp.in" \
    >"$TAP_TMPDIR/cdp.out" 2>"$TAP_TMPDIR/cdp.err" &
  _cdp_pid=$!
  exec 8>"$TAP_TMPDIR/cdp.in" 9<"$TAP_TMPDIR/cdp.out"
  tap_at_exit "kill $_cdp_pid 2>/dev/null"
}

cdp() {
  printf '%s\n' "$*" >&8
  IFS= read -r CDP <&9 || CDP="error the browser driver exited: $(tail -n 3 "$TAP_TMPDIR/cdp.err" | tr '\n' ' ')"
}

dom_is() {
  cdp "wait ${DOM_WAIT:-15} (function(){ try { const v = $2; return JSON.stringify(v) === JSON.stringify($3) ? v : null } catch (e) { return null } })()"
  case "$CDP" in
    ok*) tap_ok "$1" ;;
    *) cdp "eval (function(){ try { return $2 } catch (e) { return String(e) } })()"; tap_not_ok "$1" "want $3, have: $CDP" ;;
  esac
}
