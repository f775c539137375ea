# shellcheck shell=sh
# Sourced: fetch and unpack one pinned Debian source package.
#
#   pin_version PKG             the version src/build/pins names
#   debian_source PKG DIR       download PKG=version into DIR/dl with
#                               `apt-get source` and unpack it as DIR/src
#
# apt runs with a private deb-src list (the mirror comes from the machine's
# own apt configuration, see apt-mirror.sh) and private state and cache
# directories: no system apt configuration or state changes. Needs apt,
# dpkg-dev (dpkg-source) and debian-archive-keyring.
#
# The sourcing script sets "here" to the src/build directory.
_build_dir=${here:?debian-source.sh: set here=src/build before sourcing}
# shellcheck source=apt-mirror.sh
. "$_build_dir/apt-mirror.sh"

_pin_field() {	# PKG FIELD(2=version, 3=sha256)
	awk -v p="$1" -v f="$2" '$1 == p { print $f; exit }' "$_build_dir/pins"
}
pin_version() { _pin_field "$1" 2; }

debian_source() {
	_pkg=$1 _dir=$2
	_ver=$(_pin_field "$_pkg" 2) _sum=$(_pin_field "$_pkg" 3)
	[ -n "$_ver" ] && [ -n "$_sum" ] || { echo "debian-source.sh: $_pkg is not in src/build/pins" >&2; return 1; }
	_mirror=$(apt_mirror main) || return 1
	_suite=$(apt_suite)
	_keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	[ -r "$_keyring" ] || { echo "debian-source.sh: $_keyring missing (apt-get install debian-archive-keyring)" >&2; return 1; }
	_apt=$_dir/apt
	rm -rf "$_dir/dl" "$_dir/src"
	mkdir -p "$_apt/lists/partial" "$_apt/cache/archives/partial" "$_apt/parts" "$_dir/dl"
	# the security suite too: a pinned version may live there
	{
		printf 'deb-src [signed-by=%s] %s %s main\n' "$_keyring" "$_mirror" "$_suite"
		_sec=$(apt_mirror security 2>/dev/null) &&
			printf 'deb-src [signed-by=%s] %s %s-security main\n' "$_keyring" "$_sec" "$_suite"
	} >"$_apt/sources.list"
	set -- -q \
		-o "Dir::Etc::SourceList=$_apt/sources.list" \
		-o "Dir::Etc::SourceParts=$_apt/parts" \
		-o "Dir::State::Lists=$_apt/lists" \
		-o "Dir::Cache=$_apt/cache" \
		-o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=" \
		-o "APT::Get::Only-Source=true" \
		-o "APT::Get::AllowUnauthenticated=false"
	# as root apt downloads as _apt, who cannot write our private directory
	[ "$(id -u)" -ne 0 ] || set -- "$@" -o "APT::Sandbox::User=root"
	apt-get "$@" update >"$_dir/apt.log" 2>&1 &&
	(cd "$_dir/dl" && apt-get "$@" source --download-only "$_pkg=$_ver") >>"$_dir/apt.log" 2>&1 ||
		{ cat "$_dir/apt.log" >&2; echo "debian-source.sh: apt-get source $_pkg=$_ver from $_mirror failed" >&2; return 1; }
	_dsc=$_dir/dl/${_pkg}_${_ver#*:}.dsc
	[ -f "$_dsc" ] || { echo "debian-source.sh: $_dsc was not downloaded" >&2; return 1; }
	_got=$(sha256sum "$_dsc" | cut -d' ' -f1)
	[ "$_got" = "$_sum" ] ||
		{ echo "debian-source.sh: $_dsc has sha256 $_got, src/build/pins says $_sum" >&2; return 1; }
	# checks the tarballs against the .dsc and applies debian/patches; the
	# "cannot verify inline signature" warning is expected (apt checked it)
	dpkg-source -x "$_dsc" "$_dir/src" >>"$_dir/apt.log" 2>&1 ||
		{ cat "$_dir/apt.log" >&2; echo "debian-source.sh: dpkg-source -x $_dsc failed" >&2; return 1; }
	echo "$_ver" >"$_dir/version"
}
