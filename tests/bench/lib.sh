# Sourced by the benchmark scripts.

# replace_block FILE NAME CONTENT_FILE: put CONTENT_FILE between the lines
# <!-- NAME:begin --> and <!-- NAME:end --> of FILE; the rest stays.
replace_block() {
	grep -q "^<!-- $2:begin -->\$" "$1" && grep -q "^<!-- $2:end -->\$" "$1" || {
		echo "$1: no <!-- $2:begin --> / <!-- $2:end --> markers" >&2
		return 1
	}
	awk -v b="<!-- $2:begin -->" -v e="<!-- $2:end -->" -v f="$3" '
		$0 == b { print; while ((getline l < f) > 0) print l; skip = 1; next }
		$0 == e { skip = 0 }
		!skip' "$1" >"$1.tmp.$$" && mv "$1.tmp.$$" "$1"
}
