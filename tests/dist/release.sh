#!/bin/bash
# What a user downloads besides the binaries: SHA256SUMS and its minisign
# signature (a throwaway key, the README's verification commands), the SPDX
# SBOM (schema and contents against the binaries' own --version), and the
# OCI image index (COPY --from on amd64 through Docker; the arm64 entry
# selected by skopeo and its binary's ELF machine checked).
. "$(dirname "$0")/lib.sh"
# shellcheck source=../lib/identity.sh
. "$ROOT/tests/lib/identity.sh"
tmp=$(mktemp -d /var/tmp/nrexec-dist-release.XXXXXX)
chmod 0755 "$tmp"
tag=nrexec-dist-test-$$
cleanup() {
	docker rmi -f "$tag/app:1" "$tag/nrexec:$VERSION" "$tag/base:1" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
export DOCKER_BUILDKIT=0
arches=$(dist_arches | tr "\n" " ")

# --- SHA256SUMS covers every file, and verifies ----------------------------
files=$(cd "$DIST" && find . -maxdepth 1 -type f ! -name SHA256SUMS ! -name '*.minisig' -printf '%P\n' | LC_ALL=C sort)
listed=$(awk '{ print $2 }' "$DIST/SHA256SUMS" | LC_ALL=C sort)
[ -n "$files" ] && [ "$files" = "$listed" ] && ok "SHA256SUMS lists every file in dist/ ($(wc -l <<<"$files"))" ||
	not_ok "SHA256SUMS lists every file" "files: $files" "listed: $listed"
check "sha256sum -c SHA256SUMS" sh -c "cd '$DIST' && sha256sum --quiet -c SHA256SUMS"

# --- minisign: a throwaway key signs through make dist-sign; README's commands verify
cp -a "$DIST" "$tmp/dist"
if minisign -G -W -p "$tmp/test.pub" -s "$tmp/test.key" >"$tmp/keygen.log" 2>&1 &&
   make -s -C "$ROOT" dist-sign DIST="$tmp/dist" MINISIGN_KEY="$tmp/test.key" >"$tmp/sign.log" 2>&1; then
	ok "make dist-sign signs SHA256SUMS with a minisign key"
else not_ok "make dist-sign" "$(cat "$tmp/keygen.log" "$tmp/sign.log")"; fi
pubkey=$(tail -n 1 "$tmp/test.pub")
# exactly README's two commands, with the throwaway public key
if (cd "$tmp/dist" && minisign -Vm SHA256SUMS -P "$pubkey" && sha256sum --ignore-missing -c SHA256SUMS) >"$tmp/verify.log" 2>&1; then
	ok "minisign -Vm SHA256SUMS -P KEY, then sha256sum -c: verified"
else not_ok "minisign verification" "$(cat "$tmp/verify.log")"; fi
grep -qi "trusted comment: nrexec $VERSION commit $COMMIT" "$tmp/verify.log" &&
	ok "the signed trusted comment names version and commit" || not_ok "trusted comment" "$(cat "$tmp/verify.log")"
# one byte changed in a binary: sha256sum catches it; in SHA256SUMS: minisign does
f=$(head -n 1 <<<"$files")
printf '\001' | dd of="$tmp/dist/$f" bs=1 seek=100 conv=notrunc status=none
(cd "$tmp/dist" && sha256sum --quiet -c SHA256SUMS) >/dev/null 2>&1 &&
	not_ok "a changed file fails sha256sum -c" || ok "a changed file fails sha256sum -c"
sed -i '1s/^./0/; 1s/^0\(.\)/1\1/' "$tmp/dist/SHA256SUMS"
(cd "$tmp/dist" && minisign -Vm SHA256SUMS -P "$pubkey") >/dev/null 2>&1 &&
	not_ok "a changed SHA256SUMS fails minisign -V" || ok "a changed SHA256SUMS fails minisign -V"
minisign -G -W -p "$tmp/other.pub" -s "$tmp/other.key" >/dev/null 2>&1
(cd "$DIST" && cp SHA256SUMS "$tmp/s2" && minisign -Vm "$tmp/s2" -x "$tmp/dist/SHA256SUMS.minisig" -p "$tmp/other.pub") >/dev/null 2>&1 &&
	not_ok "another key does not verify" || ok "another key does not verify"

# --- SBOM -----------------------------------------------------------------
sbom=$DIST/nrexec-$VERSION.spdx.json
{
	echo "{"; sep=
	for a in $arches; do
		r=$(runner "$a" "$tmp") && printf '%s"%s": %s\n' "$sep" "$a" "$("$r" --version | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')"
		sep=,
	done
	echo "}"
} >"$tmp/versions.json"
out=$(NREXEC_SBOM_NO_COMMIT=$([ -n "$IN_GIT" ] || echo 1) python3 "$TESTS_DIST/check-sbom.py" "$sbom" "$TESTS_DIST/spdx-2.3.schema.json" "$DIST" "$tmp/versions.json" 2>&1)
while IFS= read -r l; do
	case $l in
	"ok "*) ok "${l#ok * - }" ;;
	"not ok "*) not_ok "${l#not ok * - }" ;;
	"#   "*) echo "$l" ;;
	esac
done <<<"$out"
grep -q '^ok ' <<<"$out" || not_ok "check-sbom.py ran" "$out"

# --- the OCI image index --------------------------------------------------
oci=$DIST/nrexec-$VERSION-oci.tar
ref="oci-archive:$oci:$VERSION"
idx=$(skopeo inspect --raw "$ref" 2>&1)
plats=$(python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(" ".join(sorted(m["platform"]["architecture"] + m["platform"].get("variant", "") for m in d["manifests"])))' <<<"$idx" 2>&1)
want=$(for a in $arches; do case $a in arm) echo armv7 ;; arm64) echo arm64v8 ;; *) echo "$a" ;; esac; done | sort | tr '\n' ' ')
[ "$plats " = "$want" ] && ok "image index $VERSION: one manifest per architecture ($plats)" ||
	not_ok "image index platforms" "got: $plats" "want: $want" "$idx"
if [[ " $arches " == *" arm64 "* ]]; then
	# the arm64 entry, as a puller on arm64 would select it
	if skopeo copy -q --override-arch arm64 --override-variant v8 "$ref" "dir:$tmp/arm64" >"$tmp/skopeo.log" 2>&1; then
		layer=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"][0]["digest"].split(":")[1])' "$tmp/arm64/manifest.json")
		mkdir -p "$tmp/arm64/root" && tar -xzf "$tmp/arm64/$layer" -C "$tmp/arm64/root"
		listing=$(tar -tzvf "$tmp/arm64/$layer")
		if [ "$(ls -A "$tmp/arm64/root")" = nrexec ] && [ "$(elf_machine "$tmp/arm64/root/nrexec")" = 183 ] &&
		   cmp -s "$tmp/arm64/root/nrexec" "$DIST/nrexec-$VERSION-linux-arm64" && [[ $listing == -rwxr-xr-x\ 0/0* ]]; then
			ok "arm64 entry: one layer, only /nrexec (0755, 0:0), ELF machine AArch64, the release binary"
		else not_ok "arm64 entry" "$listing" "machine $(elf_machine "$tmp/arm64/root/nrexec" 2>&1)"; fi
	else not_ok "skopeo selects the arm64 entry" "$(cat "$tmp/skopeo.log")"; fi
fi
if [[ " $arches " == *" amd64 "* ]]; then
	if ! timeout 30 docker info >/dev/null 2>&1; then
		"$ROOT/tests/lib/dockerd.sh" start >/dev/null 2>&1
	fi
	bb=$(command -v busybox)
	mkdir -p "$tmp/ctx" && cp "$bb" "$tmp/ctx/busybox"
	printf 'FROM scratch\nCOPY busybox /bin/busybox\n' >"$tmp/ctx/Dockerfile.base"
	# the user's two lines: FROM their image, COPY --from the release image
	cat >"$tmp/ctx/Dockerfile" <<-EOF
	FROM $tag/base:1
	COPY --from=$tag/nrexec:$VERSION /nrexec /nrexec
	ENTRYPOINT ["/nrexec", "10001:10001", "/bin/busybox", "cat", "/proc/self/status"]
	EOF
	if skopeo copy -q "$ref" "docker-daemon:$tag/nrexec:$VERSION" >"$tmp/skopeo.log" 2>&1 &&
	   docker build -q -t "$tag/base:1" -f "$tmp/ctx/Dockerfile.base" "$tmp/ctx" >"$tmp/build.log" 2>&1 &&
	   docker build -q -t "$tag/app:1" "$tmp/ctx" >>"$tmp/build.log" 2>&1; then
		ok "amd64: skopeo copies the index to Docker; a Dockerfile builds with COPY --from=it"
		out=$(docker run --rm "$tag/app:1" 2>&1)
		if [ "$(field Uid "$out")" = "10001 10001 10001 10001" ] && [ "$(field NoNewPrivs "$out")" = 1 ] &&
		   [ "$(field CapBnd "$out")" = 0000000000000000 ]; then
			ok "amd64: the image runs /nrexec and drops to 10001 (no caps, no_new_privs)"
		else not_ok "amd64: the image runs /nrexec" "$out"; fi
		arch=$(docker image inspect -f '{{.Architecture}}' "$tag/nrexec:$VERSION")
		[ "$arch" = amd64 ] && ok "amd64: Docker got the amd64 entry" || not_ok "Docker got the amd64 entry" "$arch"
	else not_ok "amd64: COPY --from the release image" "$(cat "$tmp/skopeo.log" "$tmp/build.log")"; fi
fi
finish
