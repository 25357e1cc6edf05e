#!/usr/bin/env bash
# The Debian package: scripts/package-deb builds it from the release binary; its fields, file
# list, completions, man page and changelog are checked here, Debian's lintian finds no error,
# and it is installed with dpkg into a clean bookworm root file system (debootstrap minbase, no
# Swift toolchain), where the program runs a simulated day, queries it and inspects a batch, its
# man page loads, bash, zsh and fish complete with its scripts, and `dpkg -r` removes the program
# and leaves the data, the .env and a service unit alone.
#
# The root is made once and kept outside the clone (Tests/Interop/package/bookworm-root.sh);
# each run installs into a throwaway overlay of it (or a copy, where overlayfs is refused).
# The install half needs root (debootstrap, mount, chroot); without it the test fails saying so.
#
# No `set -e`: every check is counted and the run goes on; what later checks cannot do without
# aborts explicitly.
set -uo pipefail
: "${OPENSENSOR_BIN:?run through scripts/test}" "${OPENSENSOR_REPO:?}"
here=$OPENSENSOR_REPO/Tests/Interop
started=$(date +%s.%N)

passed=0
failed=0
pass() { passed=$((passed + 1)); printf 'run-package: ok: %s\n' "$*"; }
fail() { failed=$((failed + 1)); printf 'run-package: FAIL: %s\n' "$*"; }
check() { # check "what" command...: one pass or fail, the run goes on
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}
finish() {
    printf 'run-package: %s passed, %s failed\n' "$passed" "$failed"
    ((failed == 0))
    exit $?
}
abort() { fail "$*"; finish; }
seconds_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# --- What the test needs, from Debian ------------------------------------------------------
need=()
for tool in debootstrap:debootstrap lintian:lintian dpkg-shlibdeps:dpkg-dev dpkg-parsechangelog:dpkg-dev \
    objdump:binutils readelf:binutils strip:binutils man:man-db python3:python3; do
    command -v "${tool%%:*}" >/dev/null || need+=("${tool#*:}")
done
if ((${#need[@]})); then
    [[ $(id -u) == 0 ]] || abort "missing Debian packages: ${need[*]} (run: sudo apt-get install ${need[*]})"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
        || abort "apt-get install ${need[*]}"
fi

work=$(mktemp -d /tmp/opensensor-interop-package.XXXXXX)
mounts=()
cleanup() {
    local m i
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
        m=${mounts[i]}
        mountpoint -q "$m" && { umount "$m" || umount -l "$m"; }
    done
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT

# --- Build ---------------------------------------------------------------------------------
# One copy of the binary for the whole run: the package and every comparison come from the same
# bytes even if a build replaces $OPENSENSOR_BIN meanwhile.
cp "$OPENSENSOR_BIN" "$work/opensensor" || abort "cp $OPENSENSOR_BIN"
OPENSENSOR_BIN=$work/opensensor
t=$(date +%s.%N)
deb=$("$OPENSENSOR_REPO/scripts/package-deb" --binary "$OPENSENSOR_BIN" --output "$work/dist" 2>"$work/package.log") \
    || { cat "$work/package.log"; abort "scripts/package-deb"; }
cat "$work/package.log"
build_s=$(seconds_since "$t")

version=$("$OPENSENSOR_BIN" --version)
arch=$(dpkg --print-architecture)
check "the package is named opensensor_<--version>_<arch>.deb ($(basename "$deb"))" \
    test "$(basename "$deb")" = "opensensor_${version}_${arch}.deb"
field() { dpkg-deb -f "$deb" "$1"; }
check "Package: opensensor" test "$(field Package)" = opensensor
check "Version: is what the binary's --version prints ($version)" test "$(field Version)" = "$version"
check "Architecture: is this machine's ($arch)" test "$(field Architecture)" = "$arch"

# Depends must be what the binary links, nothing more: each library in its ELF header leads,
# through the package that ships it here, to one entry, and every entry comes from one.
# (This architecture's copy: a lib32 or foreign-architecture package may ship the same name.)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
owner() { dpkg -S "*/$1" 2>/dev/null | grep -E "^[^ ]+:$arch: .*/($multiarch/|lib64/)" | sed -n '1s/[:,].*//p'; }
linked=()
for soname in $(objdump -p "$OPENSENSOR_BIN" | awk '$1 == "NEEDED" { print $2 }'); do
    pkg=$(owner "$soname")
    [[ -n $pkg ]] || { fail "no installed package ships $soname, which the binary links"; continue; }
    linked+=("$pkg")
done
mapfile -t linked < <(printf '%s\n' "${linked[@]}" | sort -u)
mapfile -t depends < <(field Depends | tr ',' '\n' | sed 's/^ *//; s/ .*//' | sort -u)
check "Depends: names exactly the packages of the libraries the binary links (${linked[*]}; got $(field Depends))" \
    test "${depends[*]}" = "${linked[*]}"
check "Depends: gives each library a minimum version (dpkg-shlibdeps)" \
    bash -c '! dpkg-deb -f "$1" Depends | tr "," "\n" | grep -vq "(>= "' _ "$deb"
zstd_pkg=$(owner libzstd.so.1)
check "Recommends: $zstd_pkg, the package of the zstd library the binary opens at run time" \
    test "$(field Recommends)" = "$zstd_pkg"
check "libzstd is not a Depends (the binary runs without it; only zstd compression needs it)" \
    bash -c '! dpkg-deb -f "$1" Depends | grep -q zstd' _ "$deb"
check "Section, Priority, Maintainer and Installed-Size are set" \
    test -n "$(field Section)" -a -n "$(field Priority)" -a -n "$(field Maintainer)" -a -n "$(field Installed-Size)"

# No maintainer scripts: the package never installs, starts or removes a service or data.
control_files=$(dpkg-deb --ctrl-tarfile "$deb" | tar -t | sed 's|^\./||' | grep -v '^$' | sort | tr '\n' ' ')
check "the control archive holds only control and md5sums, no maintainer scripts (got: $control_files)" \
    test "$control_files" = "control md5sums "

expected_files="-rw-r--r-- ./usr/share/bash-completion/completions/opensensor
-rw-r--r-- ./usr/share/doc/opensensor/README.md.gz
-rw-r--r-- ./usr/share/doc/opensensor/changelog.gz
-rw-r--r-- ./usr/share/doc/opensensor/copyright
-rw-r--r-- ./usr/share/fish/vendor_completions.d/opensensor.fish
-rw-r--r-- ./usr/share/man/man1/opensensor.1.gz
-rw-r--r-- ./usr/share/zsh/vendor-completions/_opensensor
-rwxr-xr-x ./usr/bin/opensensor"
files=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $1, $6 }' | sort -k2 | sort)
check "the files and their modes are the expected ones" test "$files" = "$(sort <<<"$expected_files")"
[[ $files == "$(sort <<<"$expected_files")" ]] || diff <(sort <<<"$expected_files") <(printf '%s\n' "$files") || true
check "every entry is owned by root:root" bash -c '! dpkg-deb -c "$1" | awk "{ print \$2 }" | grep -vqx root/root' _ "$deb"

x=$work/extracted
dpkg-deb -x "$deb" "$x" || abort "dpkg-deb -x $deb"
check "the packaged binary is stripped (no .symtab, no .debug_* sections)" \
    bash -c '! readelf -S -W "$1" | grep -Eq "\.symtab|\.debug_"' _ "$x/usr/bin/opensensor"
check "the stripped binary still prints its version" test "$("$x/usr/bin/opensensor" --version)" = "$version"
check "the bash completion is the binary's own, without a #! line" \
    cmp -s <("$OPENSENSOR_BIN" --generate-completion-script bash | sed '1{/^#!/d}') "$x/usr/share/bash-completion/completions/opensensor"
check "the zsh completion is the binary's own" \
    cmp -s <("$OPENSENSOR_BIN" --generate-completion-script zsh) "$x/usr/share/zsh/vendor-completions/_opensensor"
check "the fish completion is the binary's own" \
    cmp -s <("$OPENSENSOR_BIN" --generate-completion-script fish) "$x/usr/share/fish/vendor_completions.d/opensensor.fish"

# The man page has a section for every command --help knows, and every option of each.
"$OPENSENSOR_BIN" --experimental-dump-help >"$work/help.json" || abort "$OPENSENSOR_BIN --experimental-dump-help"
zcat "$x/usr/share/man/man1/opensensor.1.gz" >"$work/opensensor.1"
missing=$("${PEERS_PYTHON:-python3}" - "$work/help.json" "$work/opensensor.1" <<'EOF'
import json, sys
tree = json.load(open(sys.argv[1]))
page = open(sys.argv[2]).read().replace("\\-", "-")
missing = []
def walk(cmd, path):
    if len(path) > 1 and cmd["commandName"] != "help":
        if '.SS "%s"' % " ".join(path) not in page:
            missing.append(" ".join(path))
        for a in cmd.get("arguments", []):
            if not a.get("shouldDisplay", True):
                continue  # hidden from --help, so from the page too
            for n in a.get("names", []):
                if n["kind"] == "long" and n["name"] not in ("help", "version") and "--" + n["name"] not in page:
                    missing.append(" ".join(path) + " --" + n["name"])
    for s in cmd.get("subcommands", []):
        if s.get("shouldDisplay", True):
            walk(s, path + [s["commandName"]])
walk(tree["command"], [tree["command"]["commandName"]])
print(" ".join(missing))
EOF
)
check "the man page has every command and every long option of --experimental-dump-help${missing:+ (missing: $missing)}" \
    test -z "$missing"
warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$work/opensensor.1" 2>&1 >/dev/null)
check "the man page renders without a groff warning${warnings:+: $warnings}" test -z "$warnings"
zcat "$x/usr/share/doc/opensensor/changelog.gz" >"$work/changelog"
check "changelog.gz is a Debian changelog of version $version" \
    test "$(dpkg-parsechangelog -l "$work/changelog" -S Version 2>/dev/null)" = "$version"
check "copyright is machine-readable (DEP-5)" \
    grep -qx 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' "$x/usr/share/doc/opensensor/copyright"

# --- lintian ------------------------------------------------------------------------------
# Errors fail the test. The one warning left is explained in README's "Installing from a Debian
# package": hardening-no-pie — the binary is linked without PIE on purpose (less memory).
t=$(date +%s.%N)
lintian_rc=0
lintian --fail-on error --display-info "$deb" >"$work/lintian.log" 2>&1 || lintian_rc=$?
lintian_s=$(seconds_since "$t")
grep -v '^running with root privileges' "$work/lintian.log" | sed 's/^/  lintian: /' || true
check "lintian finds no error ($(grep -c '^E:' "$work/lintian.log" || true) errors, $(grep -c '^W:' "$work/lintian.log" || true) warnings)" \
    test "$lintian_rc" = 0 -a -z "$(grep '^E:' "$work/lintian.log" || true)"

# --- A clean Debian root ------------------------------------------------------------------
# Everything above runs as any user; making a root, mounting and chroot need root.
[[ $(id -u) == 0 ]] || abort "installing into a clean Debian root needs root (debootstrap, mount, chroot): run scripts/test as root"
t=$(date +%s.%N)
base=$("$here/package/bookworm-root.sh") || abort "the cached Debian root (Tests/Interop/package/bookworm-root.sh)"
root_s=$(seconds_since "$t")
# Held shared while the root is in use, so a rebuild by another run waits for this one.
exec 8<"$(dirname "$base")/.$(basename "$base").lock"
flock -s 8

# The throwaway root: an overlay of the cached one (instant; the cache is never written), or a
# copy where overlayfs is refused (reflinks where the file system has them).
t=$(date +%s.%N)
r=$work/root
mkdir -p "$r" "$work/upper" "$work/ovwork"
# OPENSENSOR_DEB_ROOT_COPY=cp forces the copy (to time it, or to try that path).
if [[ ${OPENSENSOR_DEB_ROOT_COPY:-overlay} != cp ]] \
    && mount -t overlay overlay -o "lowerdir=$base,upperdir=$work/upper,workdir=$work/ovwork" "$r" 2>/dev/null; then
    mounts+=("$r")
    how="overlay"
else
    rmdir "$r"
    cp -a --reflink=auto "$base" "$r" || abort "cp -a $base $r"
    how="cp -a --reflink=auto"
fi
copy_s=$(seconds_since "$t")
# The Swift runtime reads a program's arguments from /proc/self/cmdline: without /proc,
# `opensensor --version` sees no arguments and prints the help.
mount -t proc proc "$r/proc" || abort "mount -t proc proc $r/proc"
mounts+=("$r/proc")
printf 'run-package: throwaway root by %s in %s s\n' "$how" "$copy_s"

inroot() { chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }
t=$(date +%s.%N)
check "the root has no Swift toolchain or runtime (no swift, no libswiftCore)" \
    test -z "$(inroot sh -c 'command -v swift || find / -xdev -name "libswiftCore*" -print -quit')"
cp "$deb" "$r/tmp/"
if inroot dpkg -i "/tmp/$(basename "$deb")" >"$work/dpkg-i.log" 2>&1; then
    pass "dpkg -i installs the package into the clean root (its Depends are there)"
else
    sed 's/^/  /' "$work/dpkg-i.log"
    abort "dpkg -i $(basename "$deb") in the clean root"
fi
installed_bytes=$(stat -c %s "$r/usr/bin/opensensor")
check "opensensor --version in the root prints $version" test "$(inroot opensensor --version 2>&1)" = "$version"
check "man -w opensensor finds /usr/share/man/man1/opensensor.1.gz" \
    test "$(inroot man -w opensensor 2>&1)" = /usr/share/man/man1/opensensor.1.gz
check "man opensensor renders the page with its commands" \
    bash -c 'chroot "$1" env -i PATH=/usr/bin:/bin LANG=C.UTF-8 MANWIDTH=80 MANPAGER=cat man opensensor 2>/dev/null | grep -q "opensensor simulate"' _ "$r"

# bash-completion loads completions on demand, when a command is first completed.
completion=$(inroot bash -c 'source /usr/share/bash-completion/bash_completion
    __load_completion opensensor; complete -p opensensor' 2>&1)
check "bash-completion loads the completion for opensensor ($completion)" grep -q -- ' opensensor$' <<<"$completion"
# …and it completes: "opensensor si<TAB>" offers simulate, "opensensor query --fo<TAB>" --format.
complete_words() {
    inroot bash -c 'source /usr/share/bash-completion/bash_completion; __load_completion opensensor
        fn=$(complete -p opensensor | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
        COMP_LINE=$1; COMP_POINT=${#1}; read -ra COMP_WORDS <<<"$1"; COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        "$fn" opensensor "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf "%s\n" "${COMPREPLY[@]}"' _ "$1" 2>&1
}
check "bash completes 'opensensor si' to simulate" grep -qx simulate <<<"$(complete_words 'opensensor si')"
check "bash completes 'opensensor query --fo' to --format" grep -qx -- --format <<<"$(complete_words 'opensensor query --fo')"
# zsh finds the completion in its vendor folder (compinit registers it); fish completes with it.
check "zsh parses _opensensor and compinit registers it for opensensor" \
    test "$(inroot zsh -fc 'zsh -n /usr/share/zsh/vendor-completions/_opensensor && autoload -Uz compinit &&
        compinit -u -d /tmp/zcompdump && print -r -- ${_comps[opensensor]}' 2>&1)" = _opensensor
check "fish completes 'opensensor si' to simulate" \
    grep -q "^simulate"$'\t' <<<"$(inroot fish -c 'complete -C"opensensor si"' 2>&1)"
check "fish completes 'opensensor query --fo' to --format" \
    grep -q "^--format"$'\t' <<<"$(inroot fish -c 'complete -C"opensensor query --fo"' 2>&1)"

# A station as `opensensor setup` and `service setup` leave one: .env, data, and a unit.
station=/srv/station
id=0190b6c4-1c2d-7e3f-8a4b-5c6d7e8f9a0b
mkdir -p "$r$station" "$r/etc/systemd/system"
printf 'OPENSENSOR_STATION_ID=%s\n' "$id" >"$r$station/.env"
unit=/etc/systemd/system/opensensor.service
inroot sh -c "cd $station && opensensor service setup --print --user daemon" >"$r$unit" 2>"$work/unit.err"
if grep -q "^WorkingDirectory=$station\$" "$r$unit"; then
    pass "service setup --print writes a unit for the station ($unit)"
else
    fail "service setup --print writes a unit for the station ($unit): $(cat "$work/unit.err")"
fi
sim=$(inroot sh -c "cd $station && opensensor simulate --output demo --from 2025-06-01T00:00:00Z --days 1 --stations 1" 2>&1) \
    || fail "opensensor simulate in the root: $sim"
batches=$(find "$r$station/demo" -name '*.parquet' 2>/dev/null | wc -l)
check "simulate writes a day of 96 batches in the root ($sim)" test "$batches" = 96
query=$(inroot sh -c "cd $station && opensensor query --data demo --every 1h --format csv --columns temperature" 2>&1) \
    || fail "opensensor query in the root: $query"
check "query over it gives 24 hourly rows of station $id" \
    test "$(awk -F, -v id="$id" 'NR > 1 && $1 == id' <<<"$query" | wc -l)" = 24
check "…counting the day's 17280 readings" \
    test "$(awk -F, 'NR > 1 { n += $3 } END { print n + 0 }' <<<"$query")" = 17280
first=$(cd "$r" && find ".$station/demo" -name data_0000.parquet 2>/dev/null | sed 's|^\.||')
inspect=$(inroot opensensor parquet inspect "$first" 2>&1) || fail "opensensor parquet inspect in the root: $inspect"
check "parquet inspect of a batch shows its 180 rows, written by opensensor $version" \
    bash -c 'grep -q " 180 rows" <<<"$1" && grep -q "created by: opensensor version $2" <<<"$1"' _ "$inspect" "$version"
stay=$(cd "$r" && find ".$station" "./etc/systemd/system/opensensor.service" -type f -exec md5sum {} + | sort)

# Removing the package takes the program and nothing of the station's.
inroot dpkg -r opensensor >"$work/dpkg-r.log" 2>&1 || { sed 's/^/  /' "$work/dpkg-r.log"; fail "dpkg -r opensensor"; }
gone=true
for f in /usr/bin/opensensor /usr/share/man/man1/opensensor.1.gz /usr/share/bash-completion/completions/opensensor \
    /usr/share/zsh/vendor-completions/_opensensor /usr/share/fish/vendor_completions.d/opensensor.fish /usr/share/doc/opensensor; do
    [[ ! -e $r$f ]] || { gone=false; printf '  still there after dpkg -r: %s\n' "$f"; }
done
check "dpkg -r removes /usr/bin/opensensor, its man page, completions and docs" $gone
inroot dpkg --purge opensensor >>"$work/dpkg-r.log" 2>&1 || fail "dpkg --purge opensensor: $(cat "$work/dpkg-r.log")"
check "after dpkg -r and --purge the data ($batches batches), the .env and the unit are there, unchanged" \
    test "$(cd "$r" && find ".$station" "./etc/systemd/system/opensensor.service" -type f -exec md5sum {} + | sort)" = "$stay"
chroot_s=$(seconds_since "$t")

printf 'run-package: package %s bytes; installed binary %s bytes (unstripped %s)\n' \
    "$(stat -c %s "$deb")" "$installed_bytes" "$(stat -c %s "$OPENSENSOR_BIN")"
printf 'run-package: seconds: package %s, lintian %s, root %s, throwaway root %s, in the root %s, total %s\n' \
    "$build_s" "$lintian_s" "$root_s" "$copy_s" "$chroot_s" "$(seconds_since "$started")"
finish
