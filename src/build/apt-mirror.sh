# shellcheck shell=sh
# Sourced (". src/build/apt-mirror.sh"): find the machine's Debian mirror in
# its own apt configuration, so no script carries a host of its own.
#
#   apt_mirror [main|security]   prints the URI apt uses for the running
#                                suite (e.g. bookworm) or for
#                                SUITE-security, without a trailing slash
#   apt_suite                    prints VERSION_CODENAME (Debian), else
#                                the first suite of the first deb line
#
# Read: /etc/apt/sources.list.d/*.sources (deb822 "Types/URIs/Suites"),
# /etc/apt/sources.list and /etc/apt/sources.list.d/*.list (one-line
# "deb [opts] URI SUITE COMPONENTS"). A NREXEC_APT_MIRROR or
# NREXEC_APT_SECURITY_MIRROR environment variable overrides (a proxy, say).

apt_suite() {
	(
		ID=; VERSION_CODENAME=
		# shellcheck disable=SC1091
		[ -r /etc/os-release ] && . /etc/os-release
		if [ "$ID" = debian ] && [ -n "$VERSION_CODENAME" ]; then
			printf '%s\n' "$VERSION_CODENAME"
		else
			_apt_lines | awk 'NR == 1 { print $2 }'
		fi
	)
}

# _apt_lines: every active "deb" entry as "URI SUITE" lines, deb822 first.
_apt_lines() {
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk '
		function flush() {
			if (deb && enabled)
				for (i = 1; i <= nu; i++)
					for (j = 1; j <= ns; j++) print u[i], s[j]
			deb = 0; enabled = 1; nu = 0; ns = 0
		}
		BEGIN { enabled = 1 }
		/^[ \t]*#/ { next }
		/^[ \t]*$/ { flush(); next }
		tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
		tolower($1) == "uris:" { for (i = 2; i <= NF; i++) u[++nu] = $i }
		tolower($1) == "suites:" { for (i = 2; i <= NF; i++) s[++ns] = $i }
		tolower($1) == "enabled:" { enabled = (tolower($2) != "no") }
		END { flush() }' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		awk '$1 == "deb" {
			i = 2
			if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
			print $i, $(i + 1)
		}' "$f"
	done
}

apt_mirror() {
	_kind=${1:-main}
	if [ "$_kind" = security ] && [ -n "${NREXEC_APT_SECURITY_MIRROR:-}" ]; then
		printf '%s\n' "${NREXEC_APT_SECURITY_MIRROR%/}"; return 0
	fi
	if [ "$_kind" = main ] && [ -n "${NREXEC_APT_MIRROR:-}" ]; then
		printf '%s\n' "${NREXEC_APT_MIRROR%/}"; return 0
	fi
	_suite=$(apt_suite)
	[ "$_kind" = security ] && _suite=$_suite-security
	_uri=$(_apt_lines | awk -v s="$_suite" '$2 == s { print $1; exit }')
	if [ -z "$_uri" ]; then
		printf 'apt-mirror.sh: no "deb" entry for suite %s in /etc/apt/sources.list{,.d}; set NREXEC_APT_MIRROR\n' \
			"$_suite" >&2
		return 1
	fi
	printf '%s\n' "${_uri%/}"
}
